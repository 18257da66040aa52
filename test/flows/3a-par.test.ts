/**
 * Option 3a-W launch preparation, W1–W5 (docs/protocol.md §3.1.1), against the real DVA: what `/par` and the
 * PGO's `/authorize` must refuse (docs/protocol.md §8 items 1–4). The test is the PGO (`pgo-demo`).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { TOKEN_TYPE } from '@koppelmij/core';
import { Browser, textOf } from '../support/browser.ts';
import {
  MODULE, PGO, TOM, callbackParams, clientAssertion, collectToken, launchModule, parAuthorizeUrl, parParams, pkce, post,
  startProtocolStack, travel, type ProtocolStack,
} from '../support/protocol.ts';

let t: ProtocolStack;
let tom: string;
beforeAll(async () => {
  t = await startProtocolStack();
  tom = (await collectToken(t, TOM)).access_token;
});
afterAll(() => t?.close());
afterEach(() => vi.useRealTimers());

/** POST /par as the PGO with the W1 body, changed by `overrides`. */
const par = (overrides: Record<string, string | undefined> = {}, subjectToken = tom) => post(t, '/par', parParams(t, subjectToken, pkce().challenge, overrides));
const refused = (error: string) => ({ status: 400, body: expect.objectContaining({ error }) });
const atPgo = (url: URL) => url.href.startsWith(`${t.urls.pgo}/`);

describe('W1–W2: the pushed authorization request', () => {
  it('answers 201 with a request_uri that lives at most the spec\'s 90 s', async () => {
    const pushed = await par();
    expect(pushed.status).toBe(201); // RFC 9126 §2.2
    expect(pushed.body.request_uri).toMatch(/^urn:ietf:params:oauth:request_uri:[A-Za-z0-9_-]+$/);
    // docs/protocol.md §3.1.1 W2 shows 90; oidc-provider caps every PAR at 60 s (its MAX_TTL), so PAR_TTL cannot lengthen it
    expect(pushed.body.expires_in).toBeGreaterThan(0);
    expect(pushed.body.expires_in).toBeLessThanOrEqual(90);
    expect(pushed.headers.get('cache-control')).toBe('no-store');
  });
});

describe('docs/protocol.md §8 item 1: client, redirect_uri, PKCE', () => {
  it('refuses an unknown client_id (401 invalid_client)', async () => {
    const form = { ...parParams(t, tom, pkce().challenge), ...(await clientAssertion(t, 'pgo-unknown', t.keys.pgo)) };
    expect(await post(t, '/par', form, { as: false })).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
  });

  it('refuses a client_id whose assertion is signed with another key (401 invalid_client)', async () => {
    const form = { ...parParams(t, tom, pkce().challenge), ...(await clientAssertion(t, PGO, t.keys.module)) };
    expect(await post(t, '/par', form, { as: false })).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
  });

  it('refuses an unregistered redirect_uri', async () => {
    // RFC 9126 §2.1: a PAR redirect_uri error is invalid_request (there is nowhere to redirect to)
    expect(await par({ redirect_uri: `${t.urls.pgo}/elsewhere` })).toMatchObject(refused('invalid_request'));
  });

  it('refuses a request without PKCE', async () => {
    expect(await par({ code_challenge: undefined, code_challenge_method: undefined })).toMatchObject(refused('invalid_request'));
  });

  it('refuses code_challenge_method=plain', async () => {
    expect(await par({ code_challenge_method: 'plain' })).toMatchObject(refused('invalid_request'));
  });
});

describe('docs/protocol.md §8 item 2: the subject_token', () => {
  it('refuses a launch preparation without subject_token', async () => {
    expect(await par({ subject_token: undefined, subject_token_type: undefined })).toMatchObject(refused('invalid_request'));
  });

  it('refuses a subject_token that is not a DVA token', async () => {
    expect(await par({ subject_token: 'not-a-token' })).toMatchObject(refused('invalid_request'));
  });

  it('refuses an expired subject_token (the collect token lives 3600 s)', async () => {
    travel(3601);
    expect(await par()).toMatchObject(refused('invalid_request'));
  });

  it('refuses a revoked subject_token', async () => {
    const { access_token } = await collectToken(t, TOM);
    expect((await post(t, '/revoke', { token: access_token, token_type_hint: 'access_token' })).status).toBe(200);
    expect(await par({}, access_token)).toMatchObject(refused('invalid_request'));
  });

  it('refuses a subject_token issued to another client (a module access token; no chaining)', async () => {
    const { tokens } = await launchModule(t, tom);
    expect(await par({}, tokens.body.access_token)).toMatchObject(refused('invalid_request'));
  });

  it('refuses a subject_token_type other than access token', async () => {
    expect(await par({ subject_token_type: TOKEN_TYPE.ID_TOKEN })).toMatchObject(refused('invalid_request'));
  });
});

describe('docs/protocol.md §8 item 3: audience and acr_values', () => {
  it('refuses an audience that is not a registered module', async () => {
    expect(await par({ audience: PGO })).toMatchObject(refused('invalid_request'));
    expect(await par({ audience: 'module-unknown' })).toMatchObject(refused('invalid_request'));
  });

  it('refuses an acr_values value other than launch-authorization', async () => {
    expect(await par({ acr_values: 'urn:medmij:oauth2:acr-value:step-up' })).toMatchObject(refused('invalid_request'));
  });

  it('refuses a subject_token sent to /authorize directly (only by PAR)', async () => {
    const { challenge } = pkce();
    const url = new URL(`${t.urls.dvaAuth}/authorize`);
    url.search = new URLSearchParams({ client_id: PGO, ...parParams(t, tom, challenge) }).toString();
    const page = await new Browser().navigate(url.href, { stopAt: atPgo });
    expect(callbackParams(page).get('error')).toBe('invalid_request');
    expect(callbackParams(page).has('code')).toBe(false);
  });
});

describe('docs/protocol.md §8 item 4: the request_uri at /authorize (W4)', () => {
  const authorize = (requestUri: string, clientId = PGO) => new Browser().navigate(parAuthorizeUrl(t, requestUri, clientId), { stopAt: atPgo });

  it('answers a fresh request_uri with a code at the PGO\'s callback_stepup (W5)', async () => {
    const page = await authorize((await par()).body.request_uri);
    expect(page.url.startsWith(`${t.urls.pgo}/callback_stepup?`)).toBe(true);
    expect(callbackParams(page).get('code')).toBeTruthy();
  });

  it('refuses an unknown request_uri', async () => {
    const page = await authorize('urn:ietf:params:oauth:request_uri:unknown');
    expect(textOf(page, 'dva-error')).toBe('invalid_request_uri');
  });

  it('refuses an expired request_uri', async () => {
    const { request_uri } = (await par()).body;
    travel(91);
    expect(textOf(await authorize(request_uri), 'dva-error')).toBe('invalid_request_uri');
  });

  it('refuses a request_uri used before', async () => {
    const { request_uri } = (await par()).body;
    expect(callbackParams(await authorize(request_uri)).get('code')).toBeTruthy();
    const again = await authorize(request_uri);
    expect(textOf(again, 'dva-error')).toBe('invalid_request_uri');
  });

  it('refuses a request_uri presented with another client_id', async () => {
    const { request_uri } = (await par()).body;
    // the error goes to the named client's one registered redirect_uri, without a code (RFC 9126 §4)
    const page = await new Browser().navigate(parAuthorizeUrl(t, request_uri, MODULE), { stopAt: (url) => url.origin !== t.urls.dvaAuth });
    expect(page.url.startsWith(`${t.urls.module}/m/${MODULE}/callback?`)).toBe(true);
    expect(callbackParams(page).get('error')).toBe('invalid_request_object');
    expect(callbackParams(page).has('code')).toBe(false);
  });

});
