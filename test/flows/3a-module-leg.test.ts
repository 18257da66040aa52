/**
 * The module's SMART leg of option 3a, W12–W17 (docs/protocol.md §3.1.1), against the real DVA: what
 * `/authorize` and `/token` must refuse (docs/protocol.md §8 items 11, 12, 14–16) and the launch code at the
 * resource server (item 19). The test is the PGO and the module (`module-3a`, `module-3a-secret`).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateDpopKey, randomToken } from '@koppelmij/core';
import { Browser, textOf } from '../support/browser.ts';
import {
  MODULE, MODULE_SECRET, TOM, basic, clientAssertion, collectToken, fhirGet, fhirGetDpop, launchCode, moduleAuthorize, moduleCallback,
  moduleToken, post, startProtocolStack, travel, type ModuleAuthorization, type ProtocolStack,
} from '../support/protocol.ts';

let t: ProtocolStack;
let tom: string;
beforeAll(async () => {
  t = await startProtocolStack();
  tom = (await collectToken(t, TOM)).access_token;
});
afterAll(() => t?.close());
afterEach(() => vi.useRealTimers());

/** W1–W8, then W12–W14 in the same browser, with the module's authorization request changed by `params`. */
async function authorize(params: Record<string, string | undefined> = {}, options: { clientId?: string; task?: string; launch?: string } = {}) {
  const browser = new Browser();
  const clientId = options.clientId ?? MODULE;
  const launch = options.launch ?? (await launchCode(t, browser, tom, { audience: clientId, ...(options.task && { task: options.task }) }));
  return moduleAuthorize(t, browser, launch, { clientId, params });
}
/** RFC 6749 §4.1.2.1: refused with a redirect to the module's callback carrying `error` and no code. */
function expectRedirectError(authorization: ModuleAuthorization, error: string) {
  expect(authorization.page.url.startsWith(`${authorization.redirectUri}?`)).toBe(true);
  expect(authorization.error).toBe(error);
  expect(authorization.code).toBeUndefined();
}
// with a DPoP proof, as every demo module's registration demands (RFC 9449 §5.2; docs/decisions.md I100)
const redeem = async (authorization: ModuleAuthorization, form: Record<string, string> = {}, as = MODULE) =>
  post(t, '/token', { grant_type: 'authorization_code', code: authorization.code!, redirect_uri: authorization.redirectUri, code_verifier: authorization.verifier, ...form }, { as, dpop: await generateDpopKey() });
const refused = (error: string, status = 400) => ({ status, body: expect.objectContaining({ error }) });

describe('docs/protocol.md §8 item 11: the launch code at /authorize (W13)', () => {
  it('refuses an unknown launch code', async () => {
    expectRedirectError(await authorize({}, { launch: randomToken() }), 'invalid_request');
  });

  it('refuses a launch code used before', async () => {
    const browser = new Browser();
    const launch = await launchCode(t, browser, tom);
    expect((await moduleAuthorize(t, browser, launch)).code).toBeTruthy();
    expectRedirectError(await moduleAuthorize(t, browser, launch), 'invalid_request');
  });

  it('refuses an expired launch code (180 s)', async () => {
    const browser = new Browser();
    const launch = await launchCode(t, browser, tom);
    travel(181);
    expectRedirectError(await moduleAuthorize(t, browser, launch), 'invalid_request');
  });

  it('refuses an authorization request of a module without launch', async () => {
    expectRedirectError(await authorize({ launch: undefined }), 'invalid_request');
  });
});

describe('docs/protocol.md §8 item 12: the launch code\'s audience', () => {
  it('refuses a launch code presented by another module client_id', async () => {
    const browser = new Browser();
    const launch = await launchCode(t, browser, tom); // audience module-3a
    expectRedirectError(await moduleAuthorize(t, browser, launch, { clientId: MODULE_SECRET }), 'invalid_request');
    // docs/decisions-protocol.md D8: a code in the wrong module's hands is burned; the right module gets nothing either
    expectRedirectError(await moduleAuthorize(t, browser, launch), 'invalid_request');
    expect((await t.dvaAuth.dva.audit.recent(5)).map((e) => e.type)).toContain('launch.refused');
  });
});

describe('docs/protocol.md §8 item 14: redirect_uri, PKCE, aud', () => {
  it('refuses an aud that is not this DVA\'s FHIR base', async () => {
    expectRedirectError(await authorize({ aud: 'https://fhir.elsewhere.example/fhir' }), 'invalid_request');
  });

  it('refuses a request without aud', async () => {
    expectRedirectError(await authorize({ aud: undefined }), 'invalid_request');
  });

  it('refuses an unregistered redirect_uri on the DVA\'s own error page (never redirects there)', async () => {
    const { page } = await authorize({ redirect_uri: `${t.urls.module}/m/${MODULE}/elsewhere` });
    expect(new URL(page.url).origin).toBe(t.urls.dvaAuth);
    expect(textOf(page, 'dva-error')).toBe('invalid_redirect_uri');
  });

  it('refuses a request without PKCE', async () => {
    expectRedirectError(await authorize({ code_challenge: undefined, code_challenge_method: undefined }), 'invalid_request');
  });

  it('refuses code_challenge_method=plain', async () => {
    expectRedirectError(await authorize({ code_challenge_method: 'plain' }), 'invalid_request');
  });
});

describe('docs/protocol.md §8 item 15: scope', () => {
  it('refuses a scope beyond the module\'s registration', async () => {
    expectRedirectError(await authorize({ scope: 'launch openid patient/*.read patient/Patient.write' }), 'invalid_scope');
  });

  it('refuses fhirUser without openid', async () => {
    expectRedirectError(await authorize({ scope: 'launch fhirUser patient/*.read', nonce: undefined }), 'invalid_scope'); // a nonce needs openid
  });

  it('refuses openid for a module whose policy forbids it (module-2a)', async () => {
    expectRedirectError(await authorize({ scope: 'launch openid patient/*.read', redirect_uri: moduleCallback(t, 'module-2a') }, { clientId: 'module-2a', task: 'task-2a' }), 'invalid_scope');
  });
});

describe('docs/protocol.md §8 item 16: the code at /token (W16)', () => {
  it('refuses a wrong client secret (401 invalid_client)', async () => {
    const authorization = await authorize({}, { clientId: MODULE_SECRET, task: 'task-3a-secret' });
    const answer = await post(t, '/token', { grant_type: 'authorization_code', code: authorization.code!, redirect_uri: authorization.redirectUri, code_verifier: authorization.verifier }, { as: false, headers: basic(MODULE_SECRET, 'not-the-secret-of-module-3a-secret-at-all') });
    expect(answer).toMatchObject(refused('invalid_client', 401));
  });

  it('refuses a client assertion signed with a key not registered for the module (401 invalid_client)', async () => {
    const authorization = await authorize();
    const form = { grant_type: 'authorization_code', code: authorization.code!, redirect_uri: authorization.redirectUri, code_verifier: authorization.verifier, ...(await clientAssertion(t, MODULE, t.keys.pgo)) };
    expect(await post(t, '/token', form, { as: false })).toMatchObject(refused('invalid_client', 401));
  });

  it('refuses a reused code, and revokes what the first use issued (RFC 6749 §4.1.2)', async () => {
    const authorization = await authorize();
    const dpop = await generateDpopKey();
    const first = await moduleToken(t, authorization, { dpop });
    expect(first.status).toBe(200);
    expect((await fhirGetDpop(t, 'Task/task-3a', first.body.access_token, dpop)).status).toBe(200);
    expect(await moduleToken(t, authorization, { dpop })).toMatchObject(refused('invalid_grant'));
    expect((await fhirGetDpop(t, 'Task/task-3a', first.body.access_token, dpop)).status).toBe(401);
  });

  it('refuses an expired code (60 s)', async () => {
    const authorization = await authorize();
    travel(61);
    expect(await redeem(authorization)).toMatchObject(refused('invalid_grant'));
  });

  it('refuses a code issued to another client', async () => {
    expect(await redeem(await authorize(), {}, MODULE_SECRET)).toMatchObject(refused('invalid_grant'));
  });

  it('refuses a mismatched redirect_uri', async () => {
    expect(await redeem(await authorize(), { redirect_uri: `${t.urls.module}/m/${MODULE}/elsewhere` })).toMatchObject(refused('invalid_grant'));
  });

  it('refuses a mismatched code_verifier', async () => {
    expect(await redeem(await authorize(), { code_verifier: 'b'.repeat(43) })).toMatchObject(refused('invalid_grant'));
  });
});

describe('docs/protocol.md §8 item 19: the launch code at the FHIR server', () => {
  it('refuses the launch code as a Bearer token (401 invalid_token)', async () => {
    const launch = await launchCode(t, new Browser(), tom);
    const answer = await fhirGet(t, 'Task/task-3a', launch);
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer .*error="invalid_token"/);
  });
});
