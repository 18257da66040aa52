/**
 * Interop (docs/option-2a-2b.md): the 2b exchange (docs/protocol.md §3.4 steps 11–13) by a client built
 * with panva's oauth4webapi, unmodified: discovery, `private_key_jwt`, a DPoP handle that answers
 * the DVA's nonce challenge (RFC 9449 §8) and then the resource server's (§9). Only the
 * `actor_token` value is made outside the library, as it is a request parameter of RFC 8693.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import * as oauth from 'oauth4webapi';
import { GRANT_TYPE_TOKEN_EXCHANGE, TOKEN_TYPE, jwkThumbprint } from '@koppelmij/core';
import { randomBytes } from 'node:crypto';
import { MODULE_2B, moduleAssertion, temporaryToken } from '../support/delegation.ts';
import { collectToken, startProtocolStack, type ProtocolStack } from '../support/protocol.ts';

let t: ProtocolStack;
beforeAll(async () => {
  t = await startProtocolStack({ serviceEnv: { dvaFhir: { DPOP_NONCE_SECRET: randomBytes(32).toString('base64url') } } });
});
afterAll(() => t?.close());

const insecure = { [oauth.allowInsecureRequests]: true }; // the demo runs on http *.localhost (decision I1)

/** One call, repeated once when the server answers with a DPoP nonce challenge (the handle has cached the nonce). */
async function withNonceRetry<T>(call: () => Promise<T>): Promise<{ result: T; challenged: boolean }> {
  try {
    return { result: await call(), challenged: false };
  } catch (error) {
    if (!oauth.isDPoPNonceError(error)) throw error;
    return { result: await call(), challenged: true };
  }
}

it('performs the 2b exchange and reads the Task with oauth4webapi’s DPoP support', async () => {
  const temporary = await temporaryToken(t, (await collectToken(t)).access_token);

  const issuer = new URL(t.urls.dvaAuth);
  const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, insecure));
  const client: oauth.Client = { client_id: MODULE_2B };
  const clientAuth = oauth.PrivateKeyJwt({ key: t.keys.module.privateKey, kid: t.keys.module.kid });
  const keyPair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
  const DPoP = oauth.DPoP(client, keyPair);
  const jkt = await jwkThumbprint(await crypto.subtle.exportKey('jwk', keyPair.publicKey));

  const actorToken = await moduleAssertion(t, MODULE_2B, { audience: as.token_endpoint!, jkt });
  const exchange = await withNonceRetry(async () =>
    oauth.processGenericTokenEndpointResponse(as, client, await oauth.genericTokenEndpointRequest(as, client, clientAuth, GRANT_TYPE_TOKEN_EXCHANGE, {
      subject_token: temporary,
      subject_token_type: TOKEN_TYPE.TEMPORARY_EXCHANGE_TOKEN,
      actor_token: actorToken,
      actor_token_type: TOKEN_TYPE.JWT,
      requested_token_type: TOKEN_TYPE.ACCESS_TOKEN,
    }, { DPoP, ...insecure })),
  );
  expect(exchange.challenged).toBe(true); // RFC 9449 §8: the DVA asked for its nonce first
  expect(exchange.result.token_type).toBe('dpop');
  expect(exchange.result.issued_token_type).toBe(TOKEN_TYPE.ACCESS_TOKEN);
  expect(exchange.result.fhirContext).toEqual([{ reference: 'Task/task-2b' }]);

  const read = await withNonceRetry(async () => {
    const response = await oauth.protectedResourceRequest(exchange.result.access_token, 'GET', new URL(`${t.urls.dvaFhir}/Task/task-2b`), new Headers({ accept: 'application/fhir+json' }), null, { DPoP, ...insecure });
    return { status: response.status, body: (await response.json()) as { id?: string } };
  });
  expect(read.challenged).toBe(true); // RFC 9449 §9: and so did the resource server
  expect(read.result.status).toBe(200);
  expect(read.result.body.id).toBe('task-2b');
});
