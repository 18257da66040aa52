import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '@koppelmij/core/store';
import { signJwtAccessToken } from '@koppelmij/core/access-token';
import { generateKeyPair } from 'jose';
import type { FastifyInstance } from 'fastify';
import { buildDvaFhir, loadDvaFhirConfig } from '../src/index.ts';
import { COLLECT_SCOPE, FHIR, ISSUER, TOM } from './support.ts';

// The DVA's JWKS cannot be fetched: that is the server's problem, answered 503 `transient`, not 500 and not 401.
describe('an unreachable authorization-server key source', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    const config = loadDvaFhirConfig({ LOG_LEVEL: 'silent', DVA_AUTH_URL: 'http://127.0.0.1:9' }); // nothing listens on port 9
    app = await buildDvaFhir(config, { store: new MemoryStore() });
  });
  afterAll(() => app.close());

  it('answers 503 with an OperationOutcome, and no data', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const now = Math.floor(Date.now() / 1000);
    const token = await signJwtAccessToken(
      { iss: ISSUER, sub: 's', aud: FHIR, client_id: 'pgo-demo', scope: COLLECT_SCOPE, patient: TOM, iat: now, exp: now + 60, jti: 'j1' },
      { privateKey, alg: 'ES256', kid: 'k1' },
    );
    const res = await app.inject({ method: 'GET', url: `/fhir/Patient/${TOM}`, headers: { authorization: `Bearer ${token}` } });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'transient', diagnostics: 'the authorization server is unavailable; try again later' }] });
  });
});
