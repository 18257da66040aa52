/**
 * Option 1 message by message (docs/protocol.md §3.2; docs/option-1.md), with the test as the PGO and the
 * module against the real DVA: what the authorization (steps 4–5), the token exchange of its code
 * (step 7 [impl]; docs/protocol.md §8 items 5–6) and the module's /authorize (items 11–13) must refuse, and the
 * stolen URLs of both legs replayed in a second cookie jar, which never yield a module a code.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { tupleKey } from '@koppelmij/core';
import { Browser, hasTestId, textOf } from '../support/browser.ts';
import { collect, loginAtPgo } from '../support/flows.ts';
import { KOOS, MODULE, TOM, moduleAuthorize, moduleCallback, pkce, startProtocolStack, travel, type ProtocolStack } from '../support/protocol.ts';
import {
  MODULE_1, collectIn, dvaHost, option1Authorize, option1Callback, option1Exchange, option1LaunchCode, option1Url,
} from '../support/options.ts';

let t: ProtocolStack;
let tomBrowser: Browser;
let tom: string;
beforeAll(async () => {
  t = await startProtocolStack();
  tomBrowser = new Browser();
  tom = (await collectIn(t, tomBrowser, TOM)).access_token;
});
afterAll(() => t?.close());
afterEach(() => vi.useRealTimers());

const atDigid = (url: string) => new URL(url).origin === t.urls.digid;
const lastAudit = async (type: string) => (await t.dvaAuth.dva.audit.recent(20)).find((e) => e.type === type);
/** The value of this browser's correlation cookie, read as the DVA's interaction pages would receive it. */
const correlationOf = (browser: Browser) => /(?:^|; )dva_correlation=([^;]+)/.exec(browser.cookieHeader(new URL(`${t.urls.dvaAuth}/interaction/x`)))?.[1];

describe('steps 4–5: the PGO\'s authorization for one module', () => {
  it('correlates a browser with a recent collect, without DigiD, and sets the launch cookie at the consent', async () => {
    const browser = new Browser();
    await collectIn(t, browser, TOM);
    const authorization = await option1Authorize(t, browser);
    expect(authorization.code).toBeTruthy();
    expect(authorization.page.hops.some((hop) => atDigid(hop))).toBe(false);
    expect(browser.cookieNames(dvaHost(t))).toContain('__Host-dva_launch_auth');
  });

  it('does not take a correlation cookie for another PGO\'s login: DigiD instead', async () => {
    const browser = new Browser();
    await collectIn(t, browser, TOM);
    const key = tupleKey('correlation', correlationOf(browser)!);
    await t.dvaStore.set(key, { ...(await t.dvaStore.get<object>(key)), client_id: 'another-pgo' }, 600);
    const { page } = await option1Authorize(t, browser);
    expect(atDigid(page.url)).toBe(true);
  });

  it('does not take a correlation cookie older than its window, even when the store still holds it', async () => {
    const browser = new Browser();
    await collectIn(t, browser, TOM);
    const key = tupleKey('correlation', correlationOf(browser)!);
    const login = await t.dvaStore.get<{ auth_time: number }>(key);
    await t.dvaStore.set(key, { ...login, auth_time: login!.auth_time - t.dvaAuth.dva.config.CORRELATION_COOKIE_TTL - 1 }, 600);
    expect(atDigid((await option1Authorize(t, browser)).page.url)).toBe(true);
  });

  it('refuses `audience` without a subject_token for a module that is not launched with option 1 (docs/protocol.md §8 item 2)', async () => {
    const authorization = await option1Authorize(t, tomBrowser, { params: { audience: MODULE } });
    expect(authorization.error).toBe('invalid_request');
    expect(authorization.code).toBeUndefined();
  });

  it('refuses an authorization request without PKCE (docs/protocol.md §8 item 1)', async () => {
    const authorization = await option1Authorize(t, tomBrowser, { params: { code_challenge: undefined, code_challenge_method: undefined } });
    expect(authorization.error).toBe('invalid_request');
  });

  it('refuses an unregistered redirect_uri without redirecting (docs/protocol.md §8 item 1)', async () => {
    const page = await tomBrowser.navigate(option1Url(t, pkce().challenge, { redirect_uri: `${t.urls.pgo}/elsewhere` }));
    expect(new URL(page.url).origin).toBe(t.urls.dvaAuth);
    expect(page.status).toBe(400);
    expect(hasTestId(page, 'dva-error')).toBe(true);
  });

  it('never reuses an earlier grant: every authorization asks consent again (module-1: `always`)', async () => {
    const browser = new Browser();
    await collectIn(t, browser, TOM);
    for (let i = 0; i < 2; i++) {
      const page = await browser.navigate(option1Url(t, pkce().challenge), { stopAt: (u) => u.href.startsWith(option1Callback(t)) });
      expect(hasTestId(page, 'consent-approve')).toBe(true);
      await browser.submit(page, 'consent-approve', {}, { stopAt: (u) => u.href.startsWith(option1Callback(t)) });
    }
  });
});

describe('step 7: the option-1 code in the token exchange (docs/protocol.md §8 items 5–7)', () => {
  const code = async () => {
    const authorization = await option1Authorize(t, tomBrowser);
    return { code: authorization.code!, verifier: authorization.verifier };
  };

  it('issues a launch code for module-1 (token_type N_A), once', async () => {
    const prepared = await code();
    const first = await option1Exchange(t, tom, prepared);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ token_type: 'N_A', issued_token_type: 'urn:medmij:token-type:launch-code', expires_in: 180 });
    expect(await option1Exchange(t, tom, prepared)).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
  });

  it('refuses the code for another module than the one consented to', async () => {
    expect(await option1Exchange(t, tom, await code(), { audience: MODULE, resource: 'Task/task-3a' })).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
  });

  it('refuses the code with another code_verifier (docs/protocol.md §8 item 6)', async () => {
    const prepared = await code();
    expect(await option1Exchange(t, tom, { ...prepared, verifier: pkce().verifier })).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
  });

  it('refuses a code of another person than the subject token\'s: DigiD as Koos for Tom\'s dossier', async () => {
    const browser = new Browser(); // no correlation cookie: DigiD, where Koos logs in
    const authorization = await option1Authorize(t, browser, { digid: KOOS });
    expect(authorization.code).toBeTruthy();
    expect(await option1Exchange(t, tom, { code: authorization.code!, verifier: authorization.verifier })).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
  });

  it('lets another person log in at DigiD in a browser that holds a DVA session, and still refuses the code for Tom\'s dossier', async () => {
    const browser = new Browser();
    await collectIn(t, browser, TOM); // a DVA session of Tom in this browser, and his correlation cookie
    travel(t.dvaAuth.dva.config.CORRELATION_COOKIE_TTL + 1); // the cookie has expired, the DVA session (1 h) has not
    const authorization = await option1Authorize(t, browser, { digid: KOOS });
    expect(authorization.code, `ended at ${authorization.page.url}`).toBeTruthy();
    vi.useRealTimers();
    expect(await option1Exchange(t, tom, { code: authorization.code!, verifier: authorization.verifier })).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
  });

  it('refuses a Task that is not the subject\'s or not module-1\'s (docs/protocol.md §8 item 8)', async () => {
    expect(await option1Exchange(t, tom, await code(), { resource: 'Task/task-de-groot' })).toMatchObject({ status: 400, body: { error: 'invalid_target' } });
    expect(await option1Exchange(t, tom, await code(), { resource: 'Task/task-3a' })).toMatchObject({ status: 400, body: { error: 'invalid_target' } });
  });
});

describe('the module leg and a stolen launch URL (docs/protocol.md §8 items 11–13)', () => {
  it('lets the consenting browser through without DigiD or a second consent; the thief who comes later gets no code', async () => {
    const launch = await option1LaunchCode(t, tomBrowser, tom);
    const mine = await moduleAuthorize(t, tomBrowser, launch, { clientId: MODULE_1 });
    expect(mine.code).toBeTruthy();
    expect(mine.page.hops.some((hop) => atDigid(hop) || hop.includes('/consent'))).toBe(false);

    const theirs = await moduleAuthorize(t, new Browser(), launch, { clientId: MODULE_1 });
    expect(theirs).toMatchObject({ error: 'invalid_request' });
    expect(theirs.code).toBeUndefined();
  });

  it('sends a thief who comes first to DigiD, refuses him as Koos, and leaves the launch burned (D7, D8)', async () => {
    const launch = await option1LaunchCode(t, tomBrowser, tom);
    const thief = new Browser();
    const digid = await moduleAuthorize(t, thief, launch, { clientId: MODULE_1 });
    expect(atDigid(digid.page.url)).toBe(true);
    expect(await lastAudit('launch.browser-check-failed')).toMatchObject({ client_id: MODULE_1, reason: 'launch cookie absent' });
    const atModule = { stopAt: (u: URL) => u.href.startsWith(moduleCallback(t, MODULE_1)) };
    const login = await thief.navigate(digid.page.url, atModule);
    const refused = await thief.submit(login, 'digid-login', { bsn: KOOS }, atModule);
    expect(new URL(refused.url).searchParams.get('error')).toBe('access_denied');
    expect(new URL(refused.url).searchParams.has('code')).toBe(false);
    expect(await lastAudit('launch.identity-mismatch')).toMatchObject({ client_id: MODULE_1, outcome: 'failure' });
    expect(await moduleAuthorize(t, tomBrowser, launch, { clientId: MODULE_1 })).toMatchObject({ error: 'invalid_request' });
  });

  it('refuses the launch code at another module (docs/protocol.md §8 item 12)', async () => {
    const launch = await option1LaunchCode(t, tomBrowser, tom);
    expect(await moduleAuthorize(t, tomBrowser, launch, { clientId: MODULE })).toMatchObject({ error: 'invalid_request' });
  });

  it('refuses the launch code after 180 s (docs/protocol.md §8 item 11)', async () => {
    const launch = await option1LaunchCode(t, tomBrowser, tom);
    travel(181);
    expect(await moduleAuthorize(t, tomBrowser, launch, { clientId: MODULE_1 })).toMatchObject({ error: 'invalid_request' });
  });
});

describe('the PGO\'s authorization URL replayed in a second browser', () => {
  it('never yields a module a code: DigiD, and the code Koos gets is refused by the PGO (state, docs/protocol.md §8 item 24)', async () => {
    const owner = new Browser();
    const dossier = await collect(t, owner, await loginAtPgo(t, owner, TOM), TOM);
    const step4 = await owner.submit(dossier, 'start-module-task-1', {}, { stopAt: (u) => u.href.startsWith(`${t.urls.dvaAuth}/authorize?`) });
    expect(new URL(step4.url).searchParams.get('audience')).toBe(MODULE_1);

    const thief = new Browser();
    const digid = await thief.navigate(step4.url);
    expect(atDigid(digid.url)).toBe(true); // no correlation cookie in the thief's browser
    const consent = await thief.submit(digid, 'digid-login', { bsn: KOOS });
    const back = await thief.submit(consent, 'consent-approve');
    expect(back.hops.some((hop) => hop.startsWith(`${option1Callback(t)}?code=`))).toBe(true);
    expect(back.status).toBe(400); // this browser started no launch at the PGO
    expect(textOf(back, 'error')).toContain('Dit antwoord hoort niet bij een modulestart die in deze browser begon');
    expect(back.hops.some((hop) => hop.startsWith(t.urls.module))).toBe(false);
  });
});
