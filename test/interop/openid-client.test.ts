/**
 * openid-client, unmodified, against the DVA and the PGO (docs/decisions.md I100–I103, I106):
 * the module leg of 3a with DPoP nonces at the authorization and the resource server (RFC 9449
 * §8, §9) and an RS256 id_token, the client's default (I103); introspection (RFC 7662) and
 * revocation (RFC 7009); the PGO's token exchange for a launch code (RFC 8693, `token_type`
 * N_A); option 2a through the PGO's authorization server, discovered by RFC 8414.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as client from 'openid-client';
import { GRANT_TYPE_TOKEN_EXCHANGE, TOKEN_TYPE } from '@koppelmij/core';
import type { SigningKey } from '@koppelmij/service-kit';
import { Browser } from '../support/browser.ts';
import { MODULE_2A, MODULE_SCOPE, pgoLaunch } from '../support/delegation.ts';
import { PGO, collectToken, exchangeParams, launchCode, launchPrep, moduleAuthorize, startProtocolStack, type ProtocolStack } from '../support/protocol.ts';
import { MODULE_3B } from '../support/options.ts';
import { dpopKeyPair } from './support/keys.ts';

let t: ProtocolStack;
let tom: string;
beforeAll(async () => {
  t = await startProtocolStack({ serviceEnv: { dvaFhir: { DPOP_NONCE_SECRET: randomBytes(32).toString('base64url') } } });
  tom = (await collectToken(t)).access_token;
});
afterAll(() => t?.close());

const insecure = { execute: [client.allowInsecureRequests] }; // the demo runs on http *.localhost (decision I1)
const auth = (key: SigningKey, jkt?: string) =>
  client.PrivateKeyJwt({ key: key.privateKey, kid: key.kid }, jkt ? { [client.modifyAssertion]: (_header, payload) => void (payload.cnf = { jkt }) } : undefined);
const dva = (clientId: string, key: SigningKey) => client.discovery(new URL(t.urls.dvaAuth), clientId, undefined, auth(key), insecure);

describe('the module leg of 3a (W15–W18) and what follows', () => {
  it('redeems the code with DPoP, checks the RS256 id_token, reads with DPoP, introspects and revokes', async () => {
    const browser = new Browser();
    const authorization = await moduleAuthorize(t, browser, await launchCode(t, browser, tom, { audience: MODULE_3B, task: 'task-3b' }), { clientId: MODULE_3B });
    const config = await dva(MODULE_3B, t.keys.module);
    const { pair } = await dpopKeyPair();
    const DPoP = client.getDPoPHandle(config, pair);

    // RFC 9449 §8: the DVA's nonce challenge is answered by the library's own retry
    const tokens = await client.authorizationCodeGrant(config, new URL(authorization.page.url), {
      pkceCodeVerifier: authorization.verifier, expectedState: authorization.state, expectedNonce: authorization.nonce, idTokenExpected: true,
    }, undefined, { DPoP });
    expect(tokens.token_type).toBe('dpop');
    expect(tokens.claims()).toMatchObject({ iss: t.urls.dvaAuth, aud: MODULE_3B, nonce: authorization.nonce }); // verified as RS256
    expect(JSON.parse(Buffer.from(tokens.id_token!.split('.')[0]!, 'base64url').toString()).alg).toBe('RS256');

    // RFC 9449 §9: and the resource server's
    const task = new URL(`${t.urls.dvaFhir}/Task/task-3b`);
    const read = await client.fetchProtectedResource(config, tokens.access_token, task, 'GET', undefined, new Headers({ accept: 'application/fhir+json' }), { DPoP });
    expect(read.status).toBe(200);
    expect(((await read.json()) as { id: string }).id).toBe('task-3b');

    expect(await client.tokenIntrospection(config, tokens.access_token)).toMatchObject({ active: true, client_id: MODULE_3B, token_type: 'DPoP' });
    await client.tokenRevocation(config, tokens.access_token);
    expect(await client.tokenIntrospection(config, tokens.access_token)).toMatchObject({ active: false });
    // RFC 9449 §7.1 / RFC 6750 §3.1: the revoked token is refused with a challenge, which the library throws
    const after = await client.fetchProtectedResource(config, tokens.access_token, task, 'GET', undefined, undefined, { DPoP }).catch((error: unknown) => error);
    expect(after).toMatchObject({ name: 'WWWAuthenticateChallengeError', response: { status: 401 } });
    expect((after as { cause: Array<{ scheme: string; parameters: { error?: string } }> }).cause).toContainEqual(expect.objectContaining({ scheme: 'dpop', parameters: expect.objectContaining({ error: 'invalid_token' }) }));
  });
});

describe('the PGO’s token exchange (3a W7–W8)', () => {
  it('gets the launch code, whose token_type N_A openid-client accepts from token exchange', async () => {
    const prep = await launchPrep(t, new Browser(), tom);
    const config = await dva(PGO, t.keys.pgo);
    const { grant_type: _grant, ...parameters } = exchangeParams(tom, prep) as Record<string, string>;
    const answer = await client.genericGrantRequest(config, GRANT_TYPE_TOKEN_EXCHANGE, parameters);
    expect(answer).toMatchObject({ token_type: 'n_a', issued_token_type: TOKEN_TYPE.LAUNCH_CODE, expires_in: 180 });
  });
});

describe('option 2a through the PGO’s authorization server', () => {
  it('discovers it by RFC 8414, redeems the code with DPoP and reads at the DVA with the delegation token', async () => {
    const { pair, jkt } = await dpopKeyPair();
    // docs/protocol.md §3.3 step 8: the assertion names the DPoP key; the PGO forwards it to the DVA as actor_token
    const pgo = await client.discovery(new URL(t.urls.pgo), MODULE_2A, undefined, auth(t.keys.module, jkt), { ...insecure, algorithm: 'oauth2' });
    const { browser, launch, iss } = await pgoLaunch(t, 'task-2a');
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const redirect_uri = `${t.urls.module}/m/${MODULE_2A}/callback`;
    const url = client.buildAuthorizationUrl(pgo, {
      redirect_uri, scope: MODULE_SCOPE, state, aud: iss, launch, code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    });
    const callback = await browser.navigate(url.href, { stopAt: (u) => u.href.startsWith(redirect_uri) });
    const DPoP = client.getDPoPHandle(pgo, pair);
    const tokens = await client.authorizationCodeGrant(pgo, new URL(callback.url), { pkceCodeVerifier: verifier, expectedState: state }, undefined, { DPoP });
    expect(tokens).toMatchObject({ token_type: 'dpop', aud: t.urls.dvaFhir });
    const read = await client.fetchProtectedResource(pgo, tokens.access_token, new URL(`${t.urls.dvaFhir}/Task/task-2a`), 'GET', undefined, undefined, { DPoP });
    expect(read.status).toBe(200);
  });
});
