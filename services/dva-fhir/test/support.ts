/**
 * Test support: a dva-fhir app on the demo bundle, with an access-token key the test holds,
 * tokens shaped as docs/architecture.md "Tokens the DVA issues" describes, and DPoP proofs.
 */
import { signJwtAccessToken, type AccessTokenClaims } from '@koppelmij/core/access-token';
import { createDpopProof, generateDpopKey, type DpopKey } from '@koppelmij/core/dpop';
import { MemoryStore } from '@koppelmij/core/store';
import { randomToken } from '@koppelmij/core/util';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { generateKeyPair, type CryptoKey } from 'jose';
import { buildDvaFhir, loadDvaFhirConfig, type DvaFhirConfig } from '../src/index.ts';
import { createTestDatabase } from './postgres.ts';

export const FHIR = 'http://fhir.localhost:4200/fhir';
export const ISSUER = 'http://dva.localhost:4100';
export const TOM = 'pat-van-duinen';
export const KOOS = 'pat-de-groot';

/** The PGO's collect scope (deploy/demo/registrations.json, pgo-demo). */
export const COLLECT_SCOPE =
  'patient/Task.read patient/ServiceRequest.read patient/ActivityDefinition.read patient/Endpoint.read patient/Patient.read patient/Practitioner.read offline_access';
/** module-3a's scope. */
export const MODULE_SCOPE =
  'launch openid fhirUser offline_access patient/*.read patient/Task.write patient/Observation.write patient/QuestionnaireResponse.write';

export interface Harness {
  app: FastifyInstance;
  store: MemoryStore;
  config: DvaFhirConfig;
  /** A signed access token: the PGO's collect token for Tom unless `claims` say otherwise. */
  token(claims?: Partial<AccessTokenClaims>, key?: CryptoKey): Promise<string>;
  /** module-3a's token for Tom, launched on `task` (default task-3a). */
  moduleToken(task?: string, claims?: Partial<AccessTokenClaims>): Promise<string>;
  /** A request to `/fhir/<path>` with `Authorization: Bearer <token>` (no header for undefined). */
  request(method: InjectOptions['method'], path: string, token?: string, options?: Partial<InjectOptions>): Promise<LightMyRequestResponse>;
  /** A request with `Authorization: DPoP` and a fresh proof for the public URL. */
  dpopRequest(method: 'GET' | 'POST' | 'PATCH', path: string, token: string, key: DpopKey, proof?: { htu?: string; ath?: string; nonce?: string }): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/** The FHIR data the harness builds on: memory, unless a suite chose PostgreSQL (postgres-backend.test.ts). */
let backend: 'memory' | 'postgres' = 'memory';

/** Runs every following harness on a PostgreSQL database of its own, dropped at `close()`. */
export function usePostgres(): void {
  backend = 'postgres';
}

/** Builds the app with test keys; `env` overrides the configuration defaults. */
export async function harness(env: Record<string, string> = {}): Promise<Harness> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const store = new MemoryStore();
  const database = backend === 'postgres' ? await createTestDatabase() : undefined;
  const config = loadDvaFhirConfig({ LOG_LEVEL: 'silent', ...(database && { FHIR_DATABASE_URL: database.url }), ...env });
  const app = await buildDvaFhir(config, { store, accessTokenKey: publicKey });
  const close = async () => {
    await app.close();
    await database?.drop();
  };

  const token: Harness['token'] = (claims = {}, key = privateKey) => {
    const now = Math.floor(Date.now() / 1000);
    const all = {
      iss: ISSUER,
      sub: 'pseudonym-of-tom',
      aud: FHIR,
      client_id: 'pgo-demo',
      scope: COLLECT_SCOPE,
      patient: TOM,
      grant_id: 'grant-collect',
      iat: now,
      exp: now + 300,
      jti: randomToken(),
      ...claims,
    };
    return signJwtAccessToken(all as AccessTokenClaims, { privateKey: key, alg: 'ES256' });
  };
  const moduleToken: Harness['moduleToken'] = (task = 'task-3a', claims = {}) =>
    token({ client_id: 'module-3a', scope: MODULE_SCOPE, grant_id: 'grant-module', fhirContext: [{ reference: `Task/${task}` }], ...claims });

  const request: Harness['request'] = (method, path, bearer, options = {}) =>
    app.inject({
      method,
      url: `/fhir/${path}`,
      ...options,
      headers: { ...(bearer !== undefined && { authorization: `Bearer ${bearer}` }), ...options.headers },
    });

  const dpopRequest: Harness['dpopRequest'] = async (method, path, accessToken, key, proof = {}) => {
    const htu = proof.htu ?? `${FHIR}/${path}`;
    const dpop = await createDpopProof({ key, htm: method, htu, accessToken: proof.ath ?? accessToken, ...(proof.nonce && { nonce: proof.nonce }) });
    return app.inject({ method, url: `/fhir/${path}`, headers: { authorization: `DPoP ${accessToken}`, dpop } });
  };

  return { app, store, config, token, moduleToken, request, dpopRequest, close };
}

export { generateDpopKey };

/** The response body as JSON. */
export function body(response: LightMyRequestResponse): Record<string, unknown> & { issue?: Array<{ code: string }> } {
  return response.json();
}

/** The first OperationOutcome issue code. */
export function issueCode(response: LightMyRequestResponse): string | undefined {
  return body(response).issue?.[0]?.code;
}

/** A FHIRPath Patch replacing Task.status (docs/protocol.md §4.8). */
export function statusPatch(status: string): Record<string, unknown> {
  return {
    resourceType: 'Parameters',
    parameter: [{ name: 'operation', part: [
      { name: 'type', valueCode: 'replace' },
      { name: 'path', valueString: 'Task.status' },
      { name: 'value', valueCode: status },
    ] }],
  };
}

/** The `fhir+json` headers of a write. */
export const FHIR_JSON = { 'content-type': 'application/fhir+json' };
