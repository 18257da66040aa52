/**
 * The worker thread of section `fhir`: the servers under test, on a core of their own, so the
 * load generator in the main thread does not share their event loop.
 * 1. dva-fhir as built for production, except that it trusts the benchmark's access-token key
 *    (deps.accessTokenKey) instead of fetching dva-auth's JWKS; answers `{ dvaFhir: port }`;
 * 2. on `{ task }`: a plain Fastify app serving that Task JSON at the same route without any
 *    authentication; answers `{ plain: port }`.
 */
import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import Fastify from 'fastify';
import { MemoryStore } from '@koppelmij/core';
import { buildDvaFhir, loadDvaFhirConfig } from '@koppelmij/dva-fhir';

export interface FhirServerData {
  fhirUrl: string;
  issuer: string;
  /** The public key the benchmark signs access tokens with. */
  accessTokenJwk: JsonWebKey;
}

const { fhirUrl, issuer, accessTokenJwk } = workerData as FhirServerData;
// every request comes from one address: the per-source quotas (docs/decisions.md I58) would measure themselves
const UNLIMITED = JSON.stringify({ fhir: { limit: 1_000_000_000 }, identity_check: { limit: 1_000_000_000 } });
const port = parentPort!;

const dvaFhir = await buildDvaFhir(loadDvaFhirConfig({ LOG_LEVEL: 'silent', DVA_FHIR_URL: fhirUrl, DVA_AUTH_URL: issuer, RATE_LIMITS: UNLIMITED }), {
  store: new MemoryStore({ maxEntries: 1_000_000 }), // the DPoP jti cache keeps every proof for 70 s
  accessTokenKey: createPublicKey({ key: accessTokenJwk, format: 'jwk' }),
});
await dvaFhir.listen({ port: 0, host: '127.0.0.1' });
port.postMessage({ dvaFhir: (dvaFhir.server.address() as { port: number }).port });

port.once('message', async ({ task }: { task: string }) => {
  const plain = Fastify({ logger: false });
  plain.get('/fhir/Task/:id', (_request, reply) => reply.type('application/fhir+json').send(task));
  await plain.listen({ port: 0, host: '127.0.0.1' });
  port.postMessage({ plain: (plain.server.address() as { port: number }).port });
});
