/**
 * Option 3a-W end to end (docs/protocol.md §3.1.1), against the real services. First message by message,
 * with the test as PGO and module and an independent OAuth client (oauth4webapi) judging the
 * module's token response; then as a person in a browser, through the real PGO and module.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as oauth from 'oauth4webapi';
import { TOKEN_TYPE, jwkThumbprint, verifyJwtAccessToken, type DpopKey } from '@koppelmij/core';
import { Browser, hasTestId, textOf } from '../support/browser.ts';
import { collect, loginAtPgo } from '../support/flows.ts';
import {
  LAUNCH_SCOPE, MODULE, TOM, callbackParams, collectToken, exchangeParams, fhirGet, fhirGetDpop, moduleAuthorize, parAuthorizeUrl,
  parParams, pkce, post, startProtocolStack, type ProtocolStack,
} from '../support/protocol.ts';

let t: ProtocolStack;
beforeAll(async () => {
  t = await startProtocolStack();
});
afterAll(() => t?.close());

const insecure = { [oauth.allowInsecureRequests]: true }; // the in-process stack speaks http on *.localhost

/** One ES256 key pair for both clients: oauth4webapi's DPoP handle and the core's proof helper. */
async function dpopKeys() {
  const pair = await oauth.generateKeyPair('ES256');
  const { kty, crv, x, y } = await crypto.subtle.exportKey('jwk', pair.publicKey);
  const publicJwk = { kty: kty!, crv: crv!, x: x!, y: y! };
  const key: DpopKey = { privateKey: pair.privateKey, publicJwk, alg: 'ES256', jkt: await jwkThumbprint(publicJwk) };
  return { pair, key };
}

describe('3a-W message by message', () => {
  it('W1–W18: PAR, cookie, launch code, SMART leg, FHIR read', async () => {
    const collected = await collectToken(t, TOM);
    const browser = new Browser();
    const { verifier, challenge } = pkce();

    // W1–W2 (RFC 9126 §2.2)
    const pushed = await post(t, '/par', parParams(t, collected.access_token, challenge));
    expect(pushed.status).toBe(201);
    expect(pushed.body.request_uri).toMatch(/^urn:ietf:params:oauth:request_uri:/);
    expect(pushed.body.expires_in).toBeLessThanOrEqual(90);

    // W3–W5: no DigiD, the Module DVA Authentication cookie, a code at callback_stepup
    const w5 = await browser.navigate(parAuthorizeUrl(t, pushed.body.request_uri), { stopAt: (url) => url.href.startsWith(`${t.urls.pgo}/`) });
    expect(w5.url.startsWith(`${t.urls.pgo}/callback_stepup?`)).toBe(true);
    expect(w5.hops.some((hop) => hop.startsWith(t.urls.digid))).toBe(false);
    expect(browser.cookieNames(new URL(t.urls.dvaAuth).hostname)).toContain('__Host-dva_launch_auth');
    const code = callbackParams(w5).get('code')!;
    expect(callbackParams(w5).get('iss')).toBe(t.urls.dvaAuth); // RFC 9207

    // W7–W8 (RFC 8693 §2.2.1)
    const return_url = `${t.urls.pgo}/launch_callback?task_id=task-3a`;
    const w8 = await post(t, '/token', exchangeParams(collected.access_token, { code, verifier }, { return_url }));
    expect(w8.status).toBe(200);
    expect(w8.body).toEqual({ access_token: expect.any(String), issued_token_type: TOKEN_TYPE.LAUNCH_CODE, token_type: 'N_A', expires_in: 180 });
    expect(w8.headers.get('cache-control')).toBe('no-store');

    // W11: the module's discovery; W12–W14 in the browser that holds the cookie (consent first time)
    const as = await oauth.processDiscoveryResponse(new URL(t.urls.dvaAuth), await oauth.discoveryRequest(new URL(t.urls.dvaAuth), insecure));
    const authorization = await moduleAuthorize(t, browser, w8.body.access_token);
    expect(authorization.code).toBeTruthy();
    expect(authorization.page.hops.some((hop) => hop.startsWith(t.urls.digid))).toBe(false);

    // W15–W17 with oauth4webapi: state and iss of the answer, private_key_jwt, DPoP, the id_token's claims and signature
    const client: oauth.Client = { client_id: MODULE, id_token_signed_response_alg: 'ES256' };
    const answer = oauth.validateAuthResponse(as, client, new URL(authorization.page.url), authorization.state);
    const { pair, key } = await dpopKeys();
    const DPoP = oauth.DPoP(client, pair);
    const auth = oauth.PrivateKeyJwt({ key: t.keys.module.privateKey, kid: t.keys.module.kid });
    const grant = () => oauth.authorizationCodeGrantRequest(as, client, auth, answer, authorization.redirectUri, authorization.verifier, { DPoP, ...insecure });
    let response = await grant();
    let tokens: oauth.TokenEndpointResponse;
    try {
      tokens = await oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: authorization.nonce, requireIdToken: true });
    } catch (error) {
      if (!oauth.isDPoPNonceError(error)) throw error; // RFC 9449 §8: one retry with the DVA's nonce
      response = await grant();
      tokens = await oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: authorization.nonce, requireIdToken: true });
    }
    await oauth.validateApplicationLevelSignature(as, response, insecure);
    expect(response.headers.get('cache-control')).toBe('no-store');

    // the SMART launch context (docs/decisions-protocol.md D10, D11; docs/protocol.md §4.5)
    expect(tokens).toMatchObject({ token_type: 'dpop', expires_in: 900, patient: 'pat-van-duinen', fhirContext: [{ reference: 'Task/task-3a' }], return_url });
    expect(tokens.scope?.split(' ')).toEqual(expect.arrayContaining(LAUNCH_SCOPE.split(' ')));
    expect(tokens.refresh_token).toBeUndefined(); // no offline_access asked
    // the id_token: a pseudonym, never the BSN (docs/protocol.md §4.4)
    const idToken = oauth.getValidatedIdTokenClaims(tokens)!;
    expect(idToken).toMatchObject({ iss: t.urls.dvaAuth, aud: MODULE, fhirUser: 'Patient/pat-van-duinen' });
    expect(idToken.sub).toBe(t.dvaAuth.dva.patients.byBsn(TOM)!.sub);
    expect(idToken.sub).not.toContain(TOM);
    // the access token: an RFC 9068 JWT for the FHIR base, bound to the DPoP key (RFC 9449 §6.1)
    const claims = await verifyJwtAccessToken(tokens.access_token, { key: t.dvaAuth.dva.signingKey.publicKey, issuer: t.urls.dvaAuth, audience: t.urls.dvaFhir });
    expect(claims).toMatchObject({ client_id: MODULE, sub: idToken.sub, cnf: { jkt: key.jkt } });

    // W18 with the proof; the same token as Bearer is refused (RFC 9449 §7.2)
    const task = await fhirGetDpop(t, 'Task/task-3a', tokens.access_token, key);
    expect(task).toMatchObject({ status: 200, body: { resourceType: 'Task', id: 'task-3a' } });
    expect((await fhirGet(t, 'Task/task-3a', tokens.access_token)).status).toBe(401);
  });
});

describe('3a-W as a person in a browser', () => {
  it('starts the module from the PGO, records the result, revokes the token and returns to the PGO', async () => {
    const browser = new Browser();
    const tasks = await collect(t, browser, await loginAtPgo(t, browser, TOM), TOM);
    const w9 = await browser.submit(tasks, 'start-module-task-3a', {}, { stopAt: (url) => url.origin === t.urls.module });
    // W9: only iss and launch reach the module (docs/protocol.md §8 item 26)
    expect([...new URL(w9.url).searchParams.keys()].sort()).toEqual(['iss', 'launch']);
    expect(w9.hops.some((hop) => hop.startsWith(t.urls.digid))).toBe(false);

    let app = await browser.navigate(w9.url);
    if (hasTestId(app, 'consent-approve')) app = await browser.submit(app, 'consent-approve');
    expect(textOf(app, 'module-task-id')).toBe('task-3a');
    expect(textOf(app, 'module-patient-name')).toContain('Duinen');

    // docs/protocol.md §8 item 33: the way back is the token response's return_url, not one the browser sends
    const back = await browser.submit(app, 'module-submit', { systolic: '128', diastolic: '84', return_url: 'https://evil.example/phish' });
    expect(back.hops.some((hop) => hop.startsWith('https://evil.example'))).toBe(false);
    expect(back.hops).toContainEqual(expect.stringMatching(new RegExp(`^${t.urls.pgo}/launch_callback\\?task_id=task-3a&`)));
    expect(new URL(back.url).origin).toBe(t.urls.pgo);
    expect(textOf(back, 'task-status-task-3a')).toBe('completed');
    // terugkeer step 2 (docs/protocol.md §4.6): the module's revocation reached the DVA
    expect((await t.dvaAuth.dva.audit.recent(10)).find((e) => e.type === 'token.revoked')).toMatchObject({ client_id: MODULE, outcome: 'success' });
  });
});
