// A resource server checks a DPoP-bound access token (RFC 9449 §7) and answers a failure
// with the RFC 9449 §7.1 challenge.
import assert from 'node:assert/strict';
import { generateKeyPair } from 'jose';
import {
  MemoryStore, OAuthError, createDpopProof, dpopChallenge, generateDpopKey, signJwtAccessToken,
  verifyJwtAccessToken, verifyResourceRequest,
} from '@koppelmij/core';

export async function main(): Promise<void> {
  const as = await generateKeyPair('ES256');
  const client = await generateDpopKey(); // the client's DPoP key pair, with its RFC 7638 thumbprint `jkt`
  const now = Math.floor(Date.now() / 1000);
  const accessToken = await signJwtAccessToken(
    { iss: 'https://as.example', sub: 'pseudonym', aud: 'https://rs.example/fhir', client_id: 'module', iat: now, exp: now + 300, jti: 'at-1', cnf: { jkt: client.jkt } },
    { privateKey: as.privateKey, alg: 'ES256' },
  );

  const url = 'https://rs.example/fhir/Task/123';
  const store = new MemoryStore(); // shared jti replay cache; a RedisStore across instances
  const request = {
    method: 'GET',
    url,
    authorization: `DPoP ${accessToken}`,
    dpop: await createDpopProof({ key: client, htm: 'GET', htu: url, accessToken }),
  };
  const verifyAccessToken = (token: string) => verifyJwtAccessToken(token, { key: as.publicKey, issuer: 'https://as.example', audience: 'https://rs.example/fhir' });

  const { claims, scheme } = await verifyResourceRequest(request, { verifyAccessToken, store });
  assert.equal(scheme, 'DPoP');
  assert.equal(claims.cnf?.jkt, client.jkt);

  // The same proof again is a replay (RFC 9449 §11.1): 401 with a DPoP challenge.
  const replay = await verifyResourceRequest(request, { verifyAccessToken, store }).catch((e: unknown) => e);
  assert.ok(replay instanceof OAuthError);
  assert.equal(replay.status, 401);
  assert.match(dpopChallenge(replay, { algs: ['ES256'] }), /^DPoP error="invalid_dpop_proof", error_description="[^"]+", algs="ES256"$/);
}
