// A Fastify route behind a DPoP-bound access token (RFC 9449 §7). The `htu` a proof must name is the
// configured public base URL plus the request's path, never built from the Host header (RFC 9700 §4.13).
import assert from 'node:assert/strict';
import Fastify, { type FastifyRequest } from 'fastify';
import { generateKeyPair } from 'jose';
import {
  MemoryStore, OAuthError, createDpopProof, dpopChallenge, generateDpopKey, signJwtAccessToken,
  verifyJwtAccessToken, verifyResourceRequest,
} from '@koppelmij/core';

const PUBLIC_BASE_URL = 'https://rs.example'; // from configuration: what clients call, whatever proxy is in between

/** Every occurrence of a header: Node keeps only the first `Authorization` in `request.headers`. */
function headerValues(request: FastifyRequest, name: string): string[] | undefined {
  const raw = request.raw.rawHeaders;
  const values: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i]!.toLowerCase() === name) values.push(raw[i + 1]!);
  return values.length > 0 ? values : undefined;
}

export async function main(): Promise<void> {
  const as = await generateKeyPair('ES256'); // the authorization server's key; a real RS fetches its JWKS
  const store = new MemoryStore(); // the proofs' jti replay cache; a RedisStore across instances
  const verifyAccessToken = (token: string) => verifyJwtAccessToken(token, { key: as.publicKey, issuer: 'https://as.example', audience: `${PUBLIC_BASE_URL}/fhir` });

  const app = Fastify();
  app.get<{ Params: { id: string } }>('/fhir/Task/:id', async (request, reply) => {
    try {
      const { claims } = await verifyResourceRequest(
        { method: request.method, url: `${PUBLIC_BASE_URL}${request.url}`, authorization: headerValues(request, 'authorization'), dpop: headerValues(request, 'dpop') },
        { verifyAccessToken, store },
      );
      return { resourceType: 'Task', id: request.params.id, for: { reference: `Patient/${String(claims.patient)}` } };
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      // RFC 9449 §7.1: the status, a DPoP challenge, and the RFC 6749 §5.2 body
      return reply.code(error.status).header('www-authenticate', dpopChallenge(error, { algs: ['ES256'] })).send(error.toJSON());
    }
  });

  const client = await generateDpopKey();
  const now = Math.floor(Date.now() / 1000);
  const accessToken = await signJwtAccessToken(
    { iss: 'https://as.example', sub: 'pseudonym', aud: `${PUBLIC_BASE_URL}/fhir`, client_id: 'module', iat: now, exp: now + 300, jti: 'at-1', patient: 'pat-1', cnf: { jkt: client.jkt } },
    { privateKey: as.privateKey, alg: 'ES256' },
  );
  const dpop = await createDpopProof({ key: client, htm: 'GET', htu: `${PUBLIC_BASE_URL}/fhir/Task/123`, accessToken });
  // The Host header says something else: it plays no part in the check.
  const request = { method: 'GET' as const, url: '/fhir/Task/123', headers: { host: 'internal:8080', authorization: `DPoP ${accessToken}`, dpop } };

  const ok = await app.inject(request);
  assert.equal(ok.statusCode, 200);
  assert.equal(ok.json<{ for: { reference: string } }>().for.reference, 'Patient/pat-1');

  const replay = await app.inject(request); // the same proof again (RFC 9449 §11.1)
  assert.equal(replay.statusCode, 401);
  assert.match(String(replay.headers['www-authenticate']), /^DPoP error="invalid_dpop_proof"/);
  await app.close();
}
