/**
 * The PGO's FHIR facade for level PS (services/pgo/src/pgo-domain/fhir-facade.ts): only the PGO's
 * own access tokens (RFC 9068 §4), only with their DPoP proof (RFC 9449 §7), only for their
 * patient. The launch itself runs in test/flows/levels.test.ts.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt, SignJWT } from 'jose';
import { createDpopProof, epochOf, generateDpopKey, MemoryStore, randomToken, type DpopKey } from '@koppelmij/core';
import { loadSigningKey, type SigningKey } from '@koppelmij/service-kit';
import { registerFhirFacade } from '../src/pgo-domain/fhir-facade.ts';
import { PgoDomainStore } from '../src/pgo-domain/store.ts';

const PGO = 'https://pgo.example';
const FHIR = `${PGO}/fhir`;
const PATIENT = 'a'.repeat(64);
const OTHER = 'b'.repeat(64);

let app: FastifyInstance;
let key: SigningKey;
let dpop: DpopKey;
const store = new MemoryStore();
const results = new PgoDomainStore(store);

beforeAll(async () => {
  key = await loadSigningKey();
  dpop = await generateDpopKey();
  app = Fastify();
  await epochOf(store).current(); // as buildPgo does: the store's epoch exists before any proof is made (docs/decisions.md I77)
  await registerFhirFacade(app, { issuer: PGO, fhirBase: FHIR, signingKey: key, store });
  await results.savePatient(PATIENT, { bsn: '999990020', person: { name: 'Tom van Duinen', family: 'van Duinen', birthDate: '1980-01-01' } }, 300);
  await results.savePatient(OTHER, { bsn: '999990032', person: { name: 'Koos de Groot' } }, 300);
});
afterAll(() => app.close());

const token = (claims: Record<string, unknown> = {}, audience = FHIR) =>
  new SignJWT({ client_id: 'module-ps', scope: 'launch patient/Patient.read patient/Observation.write', cnf: { jkt: dpop.jkt }, patient: PATIENT, ...claims })
    .setProtectedHeader({ typ: 'at+jwt', alg: key.alg, kid: key.kid })
    .setIssuer(PGO).setAudience(audience).setSubject(PATIENT).setIssuedAt().setExpirationTime('300s').setJti(randomToken())
    .sign(key.privateKey);

async function call(method: 'GET' | 'POST', path: string, accessToken: string, options: { scheme?: string; body?: object } = {}) {
  const proof = await createDpopProof({ key: dpop, htm: method, htu: `${FHIR}${path}`, accessToken });
  return app.inject({
    method,
    url: `/fhir${path}`,
    headers: { authorization: `${options.scheme ?? 'DPoP'} ${accessToken}`, dpop: proof, ...(options.body && { 'content-type': 'application/fhir+json' }) },
    ...(options.body && { payload: JSON.stringify(options.body) }),
  });
}

const observation = (subject = `Patient/${PATIENT}`) => ({
  resourceType: 'Observation', status: 'final', code: { text: 'Bloeddruk' }, subject: { reference: subject }, effectiveDateTime: '2026-11-22T12:00:00Z',
  component: [{ valueQuantity: { value: 120, unit: 'mmHg' } }, { valueQuantity: { value: 80, unit: 'mmHg' } }],
});

describe('GET Patient at the PGO FHIR facade', () => {
  it('answers the token\'s patient with the name the PGO holds', async () => {
    const response = await call('GET', `/Patient/${PATIENT}`, await token());
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ resourceType: 'Patient', id: PATIENT, name: [{ text: 'Tom van Duinen', family: 'van Duinen' }], birthDate: '1980-01-01' });
  });

  it('answers 401 with a bare DPoP challenge without a token (RFC 6750 §3.1)', async () => {
    const response = await app.inject({ method: 'GET', url: `/fhir/Patient/${PATIENT}` });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(/^DPoP algs="/);
    expect(response.headers['www-authenticate']).not.toContain('error=');
  });

  it('refuses a DPoP-bound token presented as Bearer (RFC 9449 §7.2)', async () => {
    const response = await call('GET', `/Patient/${PATIENT}`, await token(), { scheme: 'Bearer' });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toContain('error="invalid_token"');
  });

  it('refuses a token without cnf: every PGO access token is DPoP-bound', async () => {
    const response = await call('GET', `/Patient/${PATIENT}`, await token({ cnf: undefined }), { scheme: 'Bearer' });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toContain('error="invalid_token"');
  });

  it('refuses a proof of another key (RFC 9449 §7.1: cnf.jkt)', async () => {
    const response = await call('GET', `/Patient/${PATIENT}`, await token({ cnf: { jkt: (await generateDpopKey()).jkt } }));
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toContain('error="invalid_token"');
  });

  it('refuses a token for another resource server (RFC 9068 §4 aud)', async () => {
    const response = await call('GET', `/Patient/${PATIENT}`, await token({}, 'https://dva.example/fhir'));
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toContain('error="invalid_token"');
  });

  it('refuses a token its module revoked (RFC 7009; pgo-domain/revocation.ts), and only that one', async () => {
    const revoked = await token();
    await results.revokeAccessToken(decodeJwt(revoked).jti!, 300);
    const response = await call('GET', `/Patient/${PATIENT}`, revoked);
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toContain('error="invalid_token"');
    expect(response.headers['www-authenticate']).toContain('error_description="The access token has been revoked"');
    expect((await call('GET', `/Patient/${PATIENT}`, await token())).statusCode).toBe(200);
  });

  it('answers 404 for another dossier\'s Patient', async () => {
    const response = await call('GET', `/Patient/${OTHER}`, await token());
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'not-found' }] });
  });

  it('answers 403 insufficient_scope without patient/Patient.read', async () => {
    const response = await call('GET', `/Patient/${PATIENT}`, await token({ scope: 'launch patient/Observation.write' }));
    expect(response.statusCode).toBe(403);
    expect(response.headers['www-authenticate']).toContain('error="insufficient_scope"');
  });
});

describe('POST Observation at the PGO FHIR facade', () => {
  it('stores the Observation in the token\'s dossier', async () => {
    const response = await call('POST', '/Observation', await token(), { body: observation() });
    expect(response.statusCode).toBe(201);
    const { id } = response.json<{ id: string }>();
    expect(response.headers.location).toBe(`${FHIR}/Observation/${id}`);
    expect(await results.observations('999990020')).toEqual([{ id, clientId: 'module-ps', text: 'Bloeddruk: 120 / 80 mmHg', effective: '2026-11-22T12:00:00Z' }]);
  });

  it('refuses an Observation about another patient (403), and stores nothing', async () => {
    const response = await call('POST', '/Observation', await token(), { body: observation(`Patient/${OTHER}`) });
    expect(response.statusCode).toBe(403);
    expect(await results.observations('999990032')).toEqual([]);
  });

  it('answers 403 insufficient_scope without patient/Observation.write', async () => {
    const response = await call('POST', '/Observation', await token({ scope: 'launch patient/Patient.read' }), { body: observation() });
    expect(response.statusCode).toBe(403);
    expect(response.headers['www-authenticate']).toContain('error="insufficient_scope"');
  });
});
