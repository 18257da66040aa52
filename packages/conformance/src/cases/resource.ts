import { SignJWT } from 'jose';
import { createDpopProof, generateDpopKey, randomToken } from '@koppelmij/core';
import { expectEqual, fail, verdict, type Case } from '../kit.ts';
import { standaloneCode, standaloneToken } from '../journey.ts';
import { header, type Reply } from '../target.ts';

const unauthorized = (reply: Reply) => verdict([expectEqual('status', reply.status, 401), !header(reply, 'www-authenticate') && 'no WWW-Authenticate']);

/** Group RS: the resource server (§3.6) and DP: DPoP (§3.5), with a token of the kit's client where a row needs one. */
export const resourceCases: Case[] = [
  {
    id: 'RS-01', what: 'a FHIR request without credentials is 401 with a challenge that names no error', clause: 'RFC 9449 §7.1; RFC 6750 §3.1',
    async run(target) {
      const reply = await target.http(`${target.fhir}/Patient`, { headers: { accept: 'application/fhir+json' } });
      const challenge = header(reply, 'www-authenticate') ?? '';
      return verdict([expectEqual('status', reply.status, 401), !/^(DPoP|Bearer)\b/.test(challenge) && `WWW-Authenticate ${challenge || 'absent'}`, /error=/.test(challenge) && 'the challenge names an error']);
    },
  },
  {
    id: 'RS-08', what: 'an unsigned (alg none) JWT access token is invalid_token', clause: 'RFC 9068 §4; RFC 8725 §3.1',
    async run(target) {
      const now = Math.floor(Date.now() / 1000);
      const token = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')}.${Buffer.from(JSON.stringify({ iss: target.dva, aud: target.fhir, sub: 'x', exp: now + 60, iat: now, scope: 'patient/*.read' })).toString('base64url')}.`;
      return unauthorized(await target.http(`${target.fhir}/Patient`, { headers: { authorization: `Bearer ${token}` } }));
    },
  },
  {
    id: 'RS-08b', what: 'a JWT access token signed by an unknown key is invalid_token', clause: 'RFC 9068 §4',
    async run(target) {
      const key = await generateDpopKey();
      const token = await new SignJWT({ scope: 'patient/*.read', client_id: target.clientId }).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt' }).setIssuer(target.dva).setAudience(target.fhir).setSubject('x').setIssuedAt().setExpirationTime('1m').sign(key.privateKey);
      return unauthorized(await target.http(`${target.fhir}/Patient`, { headers: { authorization: `Bearer ${token}` } }));
    },
  },
  {
    id: 'RS-02', what: 'an access token in the query string is not accepted', clause: 'RFC 6750 §2.3; FAPI 2.0 §5.3.4', journey: true,
    async run(target) {
      const { access_token } = await standaloneToken(target);
      return unauthorized(await target.http(`${target.fhir}/Patient?access_token=${encodeURIComponent(access_token)}`));
    },
  },
  {
    id: 'RS-10', what: 'a write with a read-only token is refused (403)', clause: 'SMART App Launch scopes v2; RFC 6750 §3.1', journey: true,
    async run(target) {
      const { access_token, key, patient } = await standaloneToken(target);
      const body = JSON.stringify({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: `Patient/${patient}` } });
      const reply = await target.fhirDpop('Observation', access_token, key, { method: 'POST', body });
      return expectEqual('status', reply.status, 403) ? fail(expectEqual('status', reply.status, 403)!) : verdict([]);
    },
  },
  {
    id: 'RS-11', what: 'another Patient than the token\'s is never served (the own one is: control)', clause: 'SMART App Launch patient/ scopes; RFC 9700 §2.3', journey: true,
    async run(target) {
      const { access_token, key, patient } = await standaloneToken(target);
      const own = await target.fhirDpop(`Patient/${patient}`, access_token, key);
      const other = await target.fhirDpop(`Patient/${patient === 'x' ? 'y' : 'x'}${randomToken().slice(0, 8)}`, access_token, key);
      return verdict([expectEqual('own Patient: status', own.status, 200), ![403, 404].includes(other.status) && `another Patient: status ${other.status}`]);
    },
  },
  {
    id: 'DP-19', what: 'a DPoP-bound token presented as Bearer is refused', clause: 'RFC 9449 §7.2', journey: true,
    async run(target) {
      const { access_token } = await standaloneToken(target);
      return unauthorized(await target.http(`${target.fhir}/Patient`, { headers: { authorization: `Bearer ${access_token}` } }));
    },
  },
  {
    id: 'DP-20', what: 'the DPoP scheme without a proof is refused', clause: 'RFC 9449 §7.1', journey: true,
    async run(target) {
      const { access_token } = await standaloneToken(target);
      return unauthorized(await target.http(`${target.fhir}/Patient`, { headers: { authorization: `DPoP ${access_token}` } }));
    },
  },
  {
    id: 'DP-18', what: 'a proof by another key than the token\'s cnf.jkt is refused', clause: 'RFC 9449 §4.3 check 12, §7.1', journey: true,
    async run(target) {
      const { access_token } = await standaloneToken(target);
      return unauthorized(await target.fhirDpop('Patient', access_token, await generateDpopKey()));
    },
  },
  {
    id: 'DP-17', what: 'a proof whose ath hashes another token is refused', clause: 'RFC 9449 §4.3 check 12', journey: true,
    async run(target) {
      const { access_token, key } = await standaloneToken(target);
      const proof = await createDpopProof({ key, htm: 'GET', htu: `${target.fhir}/Patient`, accessToken: `${access_token}x` });
      return unauthorized(await target.http(`${target.fhir}/Patient`, { headers: { authorization: `DPoP ${access_token}`, dpop: proof } }));
    },
  },
  {
    id: 'DP-12', what: 'a DPoP proof sent twice is refused the second time', clause: 'RFC 9449 §11.1', journey: true,
    async run(target) {
      const { access_token, key } = await standaloneToken(target);
      const first = await target.fhirDpop('Patient', access_token, key);
      const proof = await createDpopProof({ key, htm: 'GET', htu: `${target.fhir}/Patient`, accessToken: access_token, ...(header(first, 'dpop-nonce') && { nonce: header(first, 'dpop-nonce') }) });
      const headers = { authorization: `DPoP ${access_token}`, dpop: proof };
      const once = await target.http(`${target.fhir}/Patient`, { headers });
      const twice = await target.http(`${target.fhir}/Patient`, { headers });
      return verdict([expectEqual('first use: status', once.status, 200), expectEqual('second use: status', twice.status, 401)]);
    },
  },
  {
    id: 'RS-18', what: 'the FHIR server lets no unregistered origin read its resources (discovery may be open, without credentials)', clause: 'SMART App Launch "Considerations for CORS support"',
    differs: 'docs/decisions.md I57 (public discovery documents answer any origin, never with credentials)',
    async run(target) {
      const origin = { origin: 'https://evil.example' };
      const [resource, metadata] = await Promise.all([target.http(`${target.fhir}/Patient`, { headers: origin }), target.http(`${target.fhir}/metadata`, { headers: origin })]);
      const allowed = header(resource, 'access-control-allow-origin');
      const open = header(metadata, 'access-control-allow-origin');
      return verdict([
        expectEqual('resource: status', resource.status, 401),
        allowed !== undefined && `resource: Access-Control-Allow-Origin ${allowed}`,
        open !== undefined && open !== '*' && `metadata: Access-Control-Allow-Origin ${open}, expected none or *`,
        header(metadata, 'access-control-allow-credentials') !== undefined && 'metadata: Access-Control-Allow-Credentials set',
      ]);
    },
  },
  {
    id: 'TK-21', what: 'a code redeemed without a DPoP proof gets no (Bearer) token', clause: 'RFC 9449 §5.2 (dpop_bound_access_tokens)', journey: true,
    async run(target) {
      const { code, verifier } = await standaloneCode(target);
      const reply = await target.post('/token', { grant_type: 'authorization_code', code, redirect_uri: target.redirectUri, code_verifier: verifier, ...(await target.clientAuth()) });
      return verdict([expectEqual('status', reply.status, 400), reply.json?.access_token && 'a token was issued']);
    },
  },
  {
    id: 'DP-03', what: 'a token request with a DPoP header that is no JWS is invalid_dpop_proof', clause: 'RFC 9449 §4.3 check 2',
    async run(target) {
      const reply = await target.post('/token', { grant_type: 'authorization_code', code: randomToken(), redirect_uri: target.redirectUri, code_verifier: randomToken(), ...(await target.clientAuth()) }, { dpop: 'not-a-jws' });
      return verdict([expectEqual('status', reply.status, 400), expectEqual('error', reply.json?.error, 'invalid_dpop_proof')]);
    },
  },
];
