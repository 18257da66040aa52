import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { CLIENT_ASSERTION_TYPE, GRANT_TYPE_TOKEN_EXCHANGE, TOKEN_TYPE, generateDpopKey, randomToken } from '@koppelmij/core';
import { expectEqual, fail, verdict, type Case, type Verdict } from '../kit.ts';
import { standaloneAuthorizeUrl, standaloneCode } from '../journey.ts';
import type { Reply, Target } from '../target.ts';

/** A code grant with a code that was never issued: client authentication is checked first, so this is the probe for it. */
const probe = (target: Target) => ({ grant_type: 'authorization_code', code: randomToken(), redirect_uri: target.redirectUri, code_verifier: randomToken() });

/**
 * The probe sent with a DPoP proof: the kit's client is registered with `dpop_bound_access_tokens`
 * (RFC 9449 §5.2), so without a proof the answer would be about DPoP, not client authentication.
 */
async function probeToken(target: Target, auth?: Record<string, string>): Promise<Reply> {
  const key = await generateDpopKey();
  if (auth && !target.knowsTokenNonce) await target.tokenWithDpop(probe(target), key); // learn the nonce with a fresh assertion first
  return target.tokenWithDpop(probe(target), key, auth);
}

/**
 * 401 invalid_client (RFC 6749 §5.2), where the untampered control gets past client authentication
 * (invalid_grant). `malformed`: a request whose authentication parameters do not fit together may
 * also be 400 invalid_request (RFC 6749 §5.2; the catalogue's §1.3 notation).
 */
async function invalidClient(target: Target, auth: Record<string, string>, malformed = false): Promise<Verdict> {
  const control = await probeToken(target);
  const reply = await probeToken(target, auth);
  const refused = (reply.status === 401 && reply.json?.error === 'invalid_client') || (malformed && reply.status === 400 && reply.json?.error === 'invalid_request');
  return verdict([expectEqual('control: error', control.json?.error, 'invalid_grant'), !refused && `status ${reply.status} error ${reply.json?.error}, expected 401 invalid_client${malformed ? ' or 400 invalid_request' : ''}`]);
}

const expectError = (reply: Reply, status: number, errors: string[]) =>
  verdict([expectEqual('status', reply.status, status), !errors.includes(reply.json?.error) && `error ${reply.json?.error}, expected ${errors.join(' or ')}`]);

/** An attacker's own key pair and its public JWK (KM rows). */
const attackerKey = async () => {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  return { privateKey, jwk: await exportJWK(publicKey) };
};

/** Group TK: the token endpoint and client authentication (§3.3), TX: token exchange (§3.4), KM: keys (§3.11). */
export const tokenCases: Case[] = [
  {
    id: 'TK-08', what: 'a client assertion with the PAR endpoint as aud is invalid_client at PAR; the token endpoint as aud is accepted', clause: 'RFC 7523 §3 item 3; FAPI 2.0 §5.3.2.1-8',
    differs: 'docs/decisions-protocol.md D1 (the issuer or the token endpoint, one string)',
    async run(target) {
      const control = await probeToken(target, await target.clientAuth({ audience: `${target.dva}/token` }));
      const { url } = standaloneAuthorizeUrl(target);
      const par = await target.post('/par', { ...Object.fromEntries(new URL(url).searchParams), ...(await target.clientAuth({ audience: `${target.dva}/par` })) });
      return verdict([expectEqual('token endpoint as aud: error', control.json?.error, 'invalid_grant'), expectEqual('PAR endpoint as aud: status', par.status, 401), expectEqual('error', par.json?.error, 'invalid_client')]);
    },
  },
  { id: 'TK-09', what: 'a client assertion with an aud array (holding the issuer) is invalid_client', clause: 'FAPI 2.0 §5.3.2.1-8; docs/decisions-protocol.md D1', run: async (t) => invalidClient(t, await t.clientAuth({ claims: { aud: [t.dva, 'https://other.example'] } })) },
  { id: 'TK-10', what: 'a client assertion for another server\'s audience is invalid_client', clause: 'RFC 7523 §3 item 3', run: async (t) => invalidClient(t, await t.clientAuth({ audience: 'https://pgo.example.nl' })) },
  { id: 'TK-11', what: 'an expired client assertion is invalid_client', clause: 'RFC 7523 §3 item 4', run: async (t) => invalidClient(t, await t.clientAuth({ claims: { exp: Math.floor(Date.now() / 1000) - 300, iat: Math.floor(Date.now() / 1000) - 360 } })) },
  { id: 'TK-12', what: 'a client assertion valid for an hour is invalid_client', clause: 'SMART App Launch client-confidential-asymmetric (exp ≤ 5 minutes ahead)', run: async (t) => invalidClient(t, await t.clientAuth({ claims: { exp: Math.floor(Date.now() / 1000) + 3600 } })) },
  {
    id: 'TK-13', what: 'a client assertion issued 61 s in the future is invalid_client; 8 s is accepted', clause: 'FAPI 2.0 §5.3.2.1-13',
    async run(target) {
      const now = Math.floor(Date.now() / 1000);
      const near = await probeToken(target, await target.clientAuth({ claims: { iat: now + 8, nbf: now + 8 } }));
      const far = await invalidClient(target, await target.clientAuth({ claims: { iat: now + 61, nbf: now + 61 } }));
      return far.outcome === 'FAIL' ? far : verdict([expectEqual('8 s ahead: error', near.json?.error, 'invalid_grant')]);
    },
  },
  {
    id: 'TK-14', what: 'a client assertion used twice is invalid_client the second time', clause: 'RFC 7523 §3 item 7; OIDC Core §9',
    async run(target) {
      const auth = await target.clientAuth();
      await probeToken(target, auth);
      return invalidClient(target, auth);
    },
  },
  { id: 'TK-15', what: 'a client assertion whose sub is not its iss is invalid_client', clause: 'RFC 7523 §3 items 1–2', run: async (t) => invalidClient(t, await t.clientAuth({ claims: { sub: 'module-3a' } }), true) },
  {
    id: 'TK-16', what: 'a client assertion with a signature by another key, or alg none, is invalid_client', clause: 'RFC 7515 §5.2; RFC 8725 §3.1',
    async run(target) {
      const { privateKey } = await attackerKey();
      const now = Math.floor(Date.now() / 1000);
      const claims = { iss: target.clientId, sub: target.clientId, aud: target.dva, iat: now, exp: now + 60 };
      const forged = await new SignJWT({ ...claims, jti: randomToken() }).setProtectedHeader({ alg: 'ES256', kid: target.kid }).sign(privateKey); // the registered kid, another key
      const none = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${Buffer.from(JSON.stringify({ ...claims, jti: randomToken() })).toString('base64url')}.`;
      const results = await Promise.all([forged, none].map((assertion) => invalidClient(target, { client_id: target.clientId, client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: assertion })));
      return results.find((r) => r.outcome === 'FAIL') ?? results[0]!;
    },
  },
  { id: 'TK-18', what: 'a client assertion with another client_assertion_type is refused', clause: 'RFC 7521 §4.2', run: async (t) => invalidClient(t, { ...(await t.clientAuth()), client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:saml2-bearer' }, true) },
  { id: 'TK-19', what: 'a token request without client authentication is 401 invalid_client', clause: 'RFC 6749 §5.2; docs/decisions.md I49', run: (t) => invalidClient(t, {}) },
  {
    id: 'TK-20', what: 'grant_type=password is refused', clause: 'RFC 9700 §2.4',
    async run(target) {
      const reply = await target.post('/token', { grant_type: 'password', username: 'a', password: 'b', ...(await target.clientAuth()) });
      return expectError(reply, 400, ['unsupported_grant_type', 'unauthorized_client']);
    },
  },
  {
    id: 'TK-01', what: 'an authorization code redeemed twice is invalid_grant the second time', clause: 'RFC 6749 §4.1.2', journey: true,
    async run(target) {
      const { code, verifier } = await standaloneCode(target);
      const { generateDpopKey } = await import('@koppelmij/core');
      const key = await generateDpopKey();
      const form = { grant_type: 'authorization_code', code, redirect_uri: target.redirectUri, code_verifier: verifier };
      const first = await target.tokenWithDpop(form, key);
      const second = await target.tokenWithDpop(form, key);
      return verdict([expectEqual('first: status', first.status, 200), expectEqual('second: status', second.status, 400), expectEqual('second: error', second.json?.error, 'invalid_grant')]);
    },
  },
  {
    id: 'TK-06', what: 'a wrong or missing PKCE code_verifier, or another redirect_uri, is invalid_grant', clause: 'RFC 7636 §4.6; RFC 6749 §4.1.3', journey: true,
    async run(target) {
      const { generateDpopKey } = await import('@koppelmij/core');
      const key = await generateDpopKey();
      const problems: Array<string | undefined> = [];
      for (const tamper of [{ code_verifier: randomToken() }, { code_verifier: undefined }, { redirect_uri: `${target.redirectUri}/other` }]) {
        const { code, verifier } = await standaloneCode(target);
        const form: Record<string, string | undefined> = { grant_type: 'authorization_code', code, redirect_uri: target.redirectUri, code_verifier: verifier, ...tamper };
        const reply = await target.tokenWithDpop(Object.fromEntries(Object.entries(form).filter((e): e is [string, string] => e[1] !== undefined)), key);
        if (!['invalid_grant', 'invalid_request'].includes(reply.json?.error)) problems.push(`${Object.keys(tamper)[0]} tampered: ${reply.status} ${reply.json?.error}`);
      }
      return verdict(problems);
    },
  },
  {
    id: 'TX-01', what: 'a token exchange without client authentication is 401 invalid_client', clause: 'RFC 8693 §2.1; RFC 6749 §5.2',
    async run(target) {
      const reply = await target.post('/token', { grant_type: GRANT_TYPE_TOKEN_EXCHANGE, subject_token: randomToken(), subject_token_type: TOKEN_TYPE.ACCESS_TOKEN, audience: 'module-3a' });
      return expectError(reply, 401, ['invalid_client']);
    },
  },
  {
    id: 'KM-02', what: 'a jku in a client assertion is never trusted: signed by the jku\'s key, it is invalid_client', clause: 'RFC 8725 §3.10; SMART App Launch (registered keys only)',
    async run(target) {
      const { privateKey } = await attackerKey();
      const now = Math.floor(Date.now() / 1000);
      const assertion = await new SignJWT({ iss: target.clientId, sub: target.clientId, aud: target.dva, iat: now, exp: now + 60, jti: randomToken() }).setProtectedHeader({ alg: 'ES256', jku: 'https://evil.example/jwks', kid: 'evil' }).sign(privateKey);
      return invalidClient(target, { client_id: target.clientId, client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: assertion });
    },
  },
  {
    id: 'KM-03', what: 'a client assertion carrying its own key (jwk header) and signed with it is invalid_client', clause: 'RFC 8725 §3.10; CVE-2018-0114',
    async run(target) {
      const { privateKey, jwk } = await attackerKey();
      const now = Math.floor(Date.now() / 1000);
      const assertion = await new SignJWT({ iss: target.clientId, sub: target.clientId, aud: target.dva, iat: now, exp: now + 60, jti: randomToken() }).setProtectedHeader({ alg: 'ES256', jwk }).sign(privateKey);
      return invalidClient(target, { client_id: target.clientId, client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: assertion });
    },
  },
  {
    id: 'KM-05', what: 'a client assertion signed HS256 with a public key as secret is invalid_client', clause: 'RFC 8725 §2.1, §3.1',
    async run(target) {
      const jwks = await target.http(`${target.dva}/jwks`);
      const secret = new TextEncoder().encode(JSON.stringify(jwks.json?.keys?.[0] ?? {}));
      const now = Math.floor(Date.now() / 1000);
      const assertion = await new SignJWT({ iss: target.clientId, sub: target.clientId, aud: target.dva, iat: now, exp: now + 60, jti: randomToken() }).setProtectedHeader({ alg: 'HS256' }).sign(secret);
      return invalidClient(target, { client_id: target.clientId, client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: assertion });
    },
  },
  {
    id: 'KM-11', what: 'the DVA\'s published JWKS holds no private key material', clause: 'RFC 7517 §9.2; RFC 7518 §6.2.2.1',
    async run(target) {
      const reply = await target.http(`${target.dva}/jwks`);
      const keys: Array<Record<string, unknown>> = reply.json?.keys ?? [];
      if (!keys.length) return fail(`no keys (status ${reply.status})`);
      return verdict(keys.map((k) => ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'].some((m) => m in k) && `key ${String(k.kid)} has private members`));
    },
  },
];
