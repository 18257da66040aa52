/**
 * Option 3b message by message (docs/protocol.md §3.5; docs/option-3b.md), with the test as the PGO (it signs
 * the launch context with the PGO's key) and the module, against the real DVA: what
 * `/launch-module` must refuse, each refusal audited, and the stolen URL or form replayed in a
 * second cookie jar, which never yields a module a code.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadSigningKey } from '@koppelmij/service-kit';
import { Browser, hasTestId, type Page } from '../support/browser.ts';
import { KOOS, MODULE, TOM, moduleAuthorize, moduleCallback, startProtocolStack, travel, type ProtocolStack } from '../support/protocol.ts';
import { MODULE_1, MODULE_3B, collectIn, isModuleLaunch, launchContext, launchModuleUrl, type ContextOptions } from '../support/options.ts';

let t: ProtocolStack;
let tom: Browser;
beforeAll(async () => {
  t = await startProtocolStack();
  tom = new Browser();
  await collectIn(t, tom, TOM); // the DVA's SSO session of docs/protocol.md §3.5 step 2
});
afterAll(() => t?.close());
afterEach(() => vi.useRealTimers());

const stop = { stopAt: (url: URL) => isModuleLaunch(t)(url) || url.origin === t.urls.digid };
/** Through DigiD's pages: stops only at the module. */
const pastDigid = { stopAt: (url: URL) => isModuleLaunch(t)(url) };
const atDigid = (page: Page) => new URL(page.url).origin === t.urls.digid;
/** The launch code of step 7, when the browser got that far. */
const launchOf = (page: Page) => (isModuleLaunch(t)(new URL(page.url)) ? new URL(page.url).searchParams.get('launch') ?? undefined : undefined);
const lastAudit = async () => (await t.dvaAuth.dva.audit.recent(5)).find((e) => e.type.startsWith('launch-module.'));

/** Step 4 by GET in `browser`, with a context built from `options`; stops at the module or DigiD. */
async function launchModule(browser: Browser, options: ContextOptions = {}, module = MODULE_3B): Promise<Page> {
  return browser.navigate(launchModuleUrl(t, await launchContext(t, options), module), stop);
}

/** The DVA refused: its error page, no launch code, and an audit event with this reason. */
async function expectRefused(page: Page, reason: string) {
  expect(page.status).toBe(400);
  expect(new URL(page.url).origin).toBe(t.urls.dvaAuth);
  expect(hasTestId(page, 'dva-error')).toBe(true);
  expect(launchOf(page)).toBeUndefined();
  expect(await lastAudit()).toMatchObject({ type: 'launch-module.refused', outcome: 'failure', reason });
}

describe('steps 4–7 with a valid context', () => {
  it('redirects the browser with a session to the module\'s launch URL with iss and a launch code bound to module-3b', async () => {
    const page = await launchModule(tom);
    expect(launchOf(page)).toBeTruthy();
    expect(new URL(page.url).searchParams.get('iss')).toBe(t.urls.dvaFhir);
    expect(await lastAudit()).toMatchObject({ type: 'launch-module.issued', client_id: 'pgo-demo', audience: MODULE_3B, resources: ['Task/task-3b'] });
    const authorization = await moduleAuthorize(t, tom, launchOf(page)!, { clientId: MODULE_3B });
    expect(authorization.code).toBeTruthy();
    expect(authorization.page.hops.some((hop) => hop.startsWith(t.urls.digid))).toBe(false);
  });

  it('accepts the same request as a form POST, answering 303 to the GET', async () => {
    const context = await launchContext(t);
    const page = await tom.navigate(`${t.urls.dvaAuth}/launch-module`, { method: 'POST', form: { module: MODULE_3B, context }, ...stop });
    expect(page.hops[1]).toBe(launchModuleUrl(t, context));
    expect(launchOf(page)).toBeTruthy();
  });

  it('refuses the launch code at another module (docs/protocol.md §8 item 12)', async () => {
    const launch = launchOf(await launchModule(tom))!;
    expect(await moduleAuthorize(t, tom, launch, { clientId: MODULE })).toMatchObject({ error: 'invalid_request' });
  });
});

describe('the context (docs/option-3b.md)', () => {
  it('is single use (RFC 7519 §4.1.7 jti)', async () => {
    const url = launchModuleUrl(t, await launchContext(t));
    expect(launchOf(await tom.navigate(url, stop))).toBeTruthy();
    await expectRefused(await tom.navigate(url, stop), 'context already used');
  });

  it('must be signed by the PGO\'s registered key', async () => {
    await expectRefused(await launchModule(tom, { key: await loadSigningKey() }), 'context signature, type, audience or lifetime invalid');
  });

  it('must carry its own typ (RFC 8725 §3.11): a JWT of another kind does not pass', async () => {
    await expectRefused(await launchModule(tom, { typ: 'JWT' }), 'context signature, type, audience or lifetime invalid');
  });

  it('must be meant for this DVA (aud)', async () => {
    await expectRefused(await launchModule(tom, { claims: { aud: 'https://other-dva.example' } }), 'context signature, type, audience or lifetime invalid');
  });

  it('must come from a registered PGO', async () => {
    await expectRefused(await launchModule(tom, { claims: { iss: MODULE_3B } }), 'context issuer is not a PGO with registered keys');
  });

  it('expires, and is not accepted older than 120 s whatever its exp says', async () => {
    await expectRefused(await launchModule(tom, { shift: -61 }), 'context signature, type, audience or lifetime invalid');
    const now = Math.floor(Date.now() / 1000);
    await expectRefused(await launchModule(tom, { claims: { iat: now - 121, exp: now + 60 } }), 'context signature, type, audience or lifetime invalid');
    const url = launchModuleUrl(t, await launchContext(t));
    travel(61);
    await expectRefused(await tom.navigate(url, stop), 'context signature, type, audience or lifetime invalid');
  });

  it('must name the module of the URL', async () => {
    await expectRefused(await launchModule(tom, { claims: { module: MODULE_1 } }), 'module differs from the context');
  });

  it('refuses a module that is not registered for option 3b', async () => {
    await expectRefused(await launchModule(tom, { claims: { module: MODULE_1, task: 'Task/task-1' } }, MODULE_1), 'module is not registered for option 3b');
  });

  it('refuses another patient\'s Task and a Task of another module (docs/protocol.md §8 item 8)', async () => {
    const notOurs = "Task is not the patient\u2019s or not for this module";
    await expectRefused(await launchModule(tom, { claims: { task: 'Task/task-de-groot' } }), notOurs);
    await expectRefused(await launchModule(tom, { claims: { task: 'Task/task-3a' } }), notOurs);
    await expectRefused(await launchModule(tom, { claims: { task: 'Task/task-unknown' } }), notOurs);
  });

  it('refuses a context for another person than the one of the DVA session', async () => {
    await expectRefused(await launchModule(tom, { claims: { patient: 'pat-de-groot', task: 'Task/task-de-groot' } }), 'session person differs from the context patient');
  });

  it('refuses a return_url outside the PGO\'s allowlist (docs/protocol.md §8 item 9)', async () => {
    await expectRefused(await launchModule(tom, { claims: { return_url: 'https://evil.example/back' } }), 'return_url not allowed');
  });

  it('refuses a malformed request: no context, a repeated parameter', async () => {
    await expectRefused(await tom.navigate(`${t.urls.dvaAuth}/launch-module?module=${MODULE_3B}`, stop), 'malformed request');
    const context = await launchContext(t);
    await expectRefused(await tom.navigate(`${launchModuleUrl(t, context)}&module=${MODULE_3B}`, stop), 'malformed request');
    await expectRefused(await tom.navigate(`${t.urls.dvaAuth}/launch-module`, { method: 'POST', form: { module: MODULE_3B } }), 'malformed request');
  });
});

describe('step 5 without a session: DigiD', () => {
  it('refuses a person at DigiD who is not the context\'s', async () => {
    const browser = new Browser();
    const digid = await launchModule(browser);
    expect(atDigid(digid)).toBe(true);
    const page = await browser.submit(await browser.navigate(digid.url, pastDigid), 'digid-login', { bsn: KOOS }, pastDigid);
    await expectRefused(page, 'session person differs from the context patient');
  });

  it('binds the DigiD round trip to the browser that started it', async () => {
    const owner = new Browser();
    const digid = await launchModule(owner);
    const atReturn = { stopAt: (url: URL) => url.pathname === '/launch-module/digid' };
    const back = await owner.submit(await owner.navigate(digid.url, atReturn), 'digid-login', { bsn: TOM }, atReturn);
    // the ticket opened in another browser: refused, and the owner's round trip still completes
    await expectRefused(await new Browser().navigate(back.url, stop), 'DigiD login not started in this browser, or expired');
    expect(launchOf(await owner.navigate(back.url, stop))).toBeTruthy();
    expect(owner.cookieNames(new URL(t.urls.dvaAuth).hostname)).toContain('dva_sso');
  });
});

describe('a stolen launch, replayed in a second cookie jar', () => {
  it('the /launch-module URL: refused after the owner used it, and never a code when the thief comes first', async () => {
    const used = launchModuleUrl(t, await launchContext(t));
    expect(launchOf(await tom.navigate(used, stop))).toBeTruthy();
    await expectRefused(await new Browser().navigate(used, stop), 'context already used');

    const stolen = launchModuleUrl(t, await launchContext(t));
    const thief = new Browser();
    const digid = await thief.navigate(stolen, stop);
    expect(atDigid(digid)).toBe(true); // the thief has no DVA session
    await expectRefused(await thief.submit(await thief.navigate(digid.url, pastDigid), 'digid-login', { bsn: KOOS }, pastDigid), 'session person differs from the context patient');
    await expectRefused(await tom.navigate(stolen, stop), 'context already used'); // burned for the owner too
  });

  it('the form POST: the same', async () => {
    const form = { module: MODULE_3B, context: await launchContext(t) };
    expect(launchOf(await tom.navigate(`${t.urls.dvaAuth}/launch-module`, { method: 'POST', form, ...stop }))).toBeTruthy();
    await expectRefused(await new Browser().navigate(`${t.urls.dvaAuth}/launch-module`, { method: 'POST', form, ...stop }), 'context already used');
  });

  it('the module launch URL of step 7: DigiD in the thief\'s browser, access_denied for Koos, the code burned (D7, D8)', async () => {
    const launch = launchOf(await launchModule(tom))!;
    const thief = new Browser();
    const digid = await moduleAuthorize(t, thief, launch, { clientId: MODULE_3B });
    expect(new URL(digid.page.url).origin).toBe(t.urls.digid);
    const atModule = { stopAt: (u: URL) => u.href.startsWith(moduleCallback(t, MODULE_3B)) };
    const refused = await thief.submit(await thief.navigate(digid.page.url, atModule), 'digid-login', { bsn: KOOS }, atModule);
    expect(new URL(refused.url).searchParams.get('error')).toBe('access_denied');
    expect(new URL(refused.url).searchParams.has('code')).toBe(false);
    expect(await moduleAuthorize(t, tom, launch, { clientId: MODULE_3B })).toMatchObject({ error: 'invalid_request' });
  });
});
