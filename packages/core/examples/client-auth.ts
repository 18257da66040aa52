// RFC 7523 private_key_jwt: a module signs a client assertion, the authorization server verifies it.
import assert from 'node:assert/strict';
import { exportJWK, generateKeyPair } from 'jose';
import { InvalidClient, MemoryStore, createClientAssertion, verifyClientAssertion } from '@koppelmij/core';

export async function main(): Promise<void> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const client = { client_id: 'module-3a', jwks: { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] } };

  const assertion = await createClientAssertion({
    clientId: 'module-3a',
    audience: 'https://dva.example/token', // one string: the issuer or the token endpoint (docs/decisions-protocol.md D1)
    privateKey,
    alg: 'ES256',
    kid: 'k1',
    cnf: { jkt: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs' }, // options 2a/2b: the DPoP key's thumbprint
  });

  const store = new MemoryStore(); // the jti replay cache
  const options = { client, audiences: ['https://dva.example', 'https://dva.example/token'], store };
  const verified = await verifyClientAssertion(assertion, options);
  assert.equal(verified.clientId, 'module-3a');
  assert.equal(verified.cnf?.jkt, 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');

  // A second use of the same assertion is refused: invalid_client, 401 (RFC 7523 §3 item 7).
  await assert.rejects(verifyClientAssertion(assertion, options), (e) => e instanceof InvalidClient && e.status === 401);
}
