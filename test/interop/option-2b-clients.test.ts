/**
 * Option 2b with unmodified client libraries (docs/option-2a-2b.md "A module on oauth4webapi or
 * openid-client"; docs/decisions.md I106). The PGO's /token answers the temporary token with
 * `token_type: N_A` (RFC 8693 §2.2.1: it is no access token), which neither library accepts from
 * an authorization-code grant by default: oauth4webapi takes it with `recognizedTokenTypes`, and an
 * openid-client module reads the validated body from the error it throws. Then the module's token
 * exchange at the DVA and its FHIR read, both with DPoP nonces (RFC 9449 §8, §9).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import * as oauth from 'oauth4webapi';
import * as client from 'openid-client';
import { GRANT_TYPE_TOKEN_EXCHANGE, TOKEN_TYPE } from '@koppelmij/core';
import { MODULE_2B, MODULE_SCOPE, moduleAssertion, pgoLaunch } from '../support/delegation.ts';
import { startProtocolStack, type ProtocolStack } from '../support/protocol.ts';
import { dpopKeyPair } from './support/keys.ts';

let t: ProtocolStack;
beforeAll(async () => {
  t = await startProtocolStack({ serviceEnv: { dvaFhir: { DPOP_NONCE_SECRET: randomBytes(32).toString('base64url') } } });
});
afterAll(() => t?.close());

const insecure = { [oauth.allowInsecureRequests]: true }; // the demo runs on http *.localhost (decision I1)
const redirectUri = () => `${t.urls.module}/m/${MODULE_2B}/callback`;

/** Steps 1–7: the PGO launches module-2b; the browser goes to the PGO's /authorize and stops at the module's callback. */
async function authorizeAtPgo(authorizationEndpoint: string, challenge: string, state: string): Promise<URL> {
  const { browser, launch, iss } = await pgoLaunch(t, 'task-2b');
  const url = new URL(authorizationEndpoint);
  url.search = new URLSearchParams({
    response_type: 'code', client_id: MODULE_2B, redirect_uri: redirectUri(), scope: MODULE_SCOPE, state, aud: iss, launch,
    code_challenge: challenge, code_challenge_method: 'S256',
  }).toString();
  return new URL((await browser.navigate(url.href, { stopAt: (u) => u.href.startsWith(redirectUri()) })).url);
}

/** Steps 11–13 with openid-client: the exchange at the DVA and the Task read, DPoP nonces retried by the library. */
async function exchangeAndRead(temporary: string, pair: oauth.CryptoKeyPair, jkt: string) {
  const dva = await client.discovery(new URL(t.urls.dvaAuth), MODULE_2B, undefined, client.PrivateKeyJwt({ key: t.keys.module.privateKey, kid: t.keys.module.kid }), { execute: [client.allowInsecureRequests] });
  const DPoP = client.getDPoPHandle(dva, pair);
  const exchanged = await client.genericGrantRequest(dva, GRANT_TYPE_TOKEN_EXCHANGE, {
    subject_token: temporary,
    subject_token_type: TOKEN_TYPE.TEMPORARY_EXCHANGE_TOKEN,
    actor_token: await moduleAssertion(t, MODULE_2B, { audience: dva.serverMetadata().token_endpoint!, jkt }),
    actor_token_type: TOKEN_TYPE.JWT,
    requested_token_type: TOKEN_TYPE.ACCESS_TOKEN,
  }, { DPoP });
  expect(exchanged.token_type).toBe('dpop');
  const response = await client.fetchProtectedResource(dva, exchanged.access_token, new URL(`${t.urls.dvaFhir}/Task/task-2b`), 'GET', undefined, new Headers({ accept: 'application/fhir+json' }), { DPoP });
  return { status: response.status, body: (await response.json()) as { id?: string } };
}

it('oauth4webapi: the temporary token with recognizedTokenTypes { n_a }, then the exchange and the read', async () => {
  const issuer = new URL(t.urls.pgo);
  const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure })); // RFC 8414
  const moduleClient: oauth.Client = { client_id: MODULE_2B };
  const { pair, jkt } = await dpopKeyPair();
  const DPoP = oauth.DPoP(moduleClient, pair);
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const callback = await authorizeAtPgo(as.authorization_endpoint!, await oauth.calculatePKCECodeChallenge(verifier), state);
  const params = oauth.validateAuthResponse(as, moduleClient, callback, state);
  // docs/protocol.md §3.3 step 8: the assertion names the DPoP key (cnf.jkt)
  const auth = oauth.PrivateKeyJwt({ key: t.keys.module.privateKey, kid: t.keys.module.kid }, { [oauth.modifyAssertion]: (_header, payload) => void (payload.cnf = { jkt }) });
  const grant = () => oauth.authorizationCodeGrantRequest(as, moduleClient, auth, params, redirectUri(), verifier, { DPoP, ...insecure });

  let response = await grant();
  if (oauth.isDPoPNonceError(await oauth.processAuthorizationCodeResponse(as, moduleClient, response.clone()).catch((e: unknown) => e))) response = await grant();
  // without the option the library refuses the answer (what a module sees first) …
  await expect(oauth.processAuthorizationCodeResponse(as, moduleClient, response.clone())).rejects.toThrow('unsupported `token_type` value');
  // … with it, it accepts N_A as a token type it recognises, and the module knows it is no access token
  const temporary = await oauth.processAuthorizationCodeResponse(as, moduleClient, response, { recognizedTokenTypes: { n_a: () => {} } });
  expect(temporary).toMatchObject({ token_type: 'n_a', issued_token_type: TOKEN_TYPE.TEMPORARY_EXCHANGE_TOKEN, token_exchange_endpoint: `${t.urls.dvaAuth}/token` });

  const read = await exchangeAndRead(temporary.access_token, pair, jkt);
  expect(read).toMatchObject({ status: 200, body: { id: 'task-2b' } });
});

it('openid-client: the temporary token from the refusal’s validated body, then the exchange and the read', async () => {
  const { pair, jkt } = await dpopKeyPair();
  const auth = client.PrivateKeyJwt({ key: t.keys.module.privateKey, kid: t.keys.module.kid }, { [client.modifyAssertion]: (_header, payload) => void (payload.cnf = { jkt }) });
  const pgo = await client.discovery(new URL(t.urls.pgo), MODULE_2B, undefined, auth, { algorithm: 'oauth2', execute: [client.allowInsecureRequests] });
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const callback = await authorizeAtPgo(pgo.serverMetadata().authorization_endpoint!, await client.calculatePKCECodeChallenge(verifier), state);

  // openid-client accepts N_A from token exchange only; the code grant throws after every other check
  // of the response (PKCE, state, iss, DPoP nonce retry), with the validated body in the error's causes
  const temporary = await client
    .authorizationCodeGrant(pgo, callback, { pkceCodeVerifier: verifier, expectedState: state }, undefined, { DPoP: client.getDPoPHandle(pgo, pair) })
    .then(() => expect.unreachable('N_A is no token type openid-client accepts from a code grant'))
    .catch((error: unknown) => temporaryTokenOf(error));
  expect(temporary.issued_token_type).toBe(TOKEN_TYPE.TEMPORARY_EXCHANGE_TOKEN);

  const read = await exchangeAndRead(temporary.access_token, pair, jkt);
  expect(read).toMatchObject({ status: 200, body: { id: 'task-2b' } });
});

/** The recipe of docs/option-2a-2b.md: the refusal of `token_type` N_A carries the validated token response. */
function temporaryTokenOf(error: unknown): { access_token: string; issued_token_type: string } {
  // openid-client's ClientError wraps oauth4webapi's UnsupportedOperationError, whose cause holds the body
  const body = (error as { cause?: { cause?: { body?: Record<string, unknown> } } }).cause?.cause?.body;
  if (body?.token_type !== 'n_a' || body.issued_token_type !== TOKEN_TYPE.TEMPORARY_EXCHANGE_TOKEN || typeof body.access_token !== 'string') throw error;
  return body as { access_token: string; issued_token_type: string };
}
