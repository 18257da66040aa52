/**
 * Option 1 end to end (docs/protocol.md §3.2; docs/option-1.md), as a person in the scripted browser through
 * the real PGO, DVA and module: the collect's correlation cookie lets a recent launch skip DigiD;
 * without it (long-term consent) the DVA asks DigiD and sets a new one. Both end in 3a's module
 * leg with a launch code bound to the browser that consented.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Browser, hasTestId, textOf, type Page } from '../support/browser.ts';
import { collect, loginAtPgo } from '../support/flows.ts';
import { TOM, startProtocolStack, travel, type ProtocolStack } from '../support/protocol.ts';
import { MODULE_1, dvaHost, option1Callback } from '../support/options.ts';

let t: ProtocolStack;
beforeAll(async () => {
  t = await startProtocolStack();
});
afterAll(() => t?.close());
afterEach(() => vi.useRealTimers());

const dossierUrl = (bsn = TOM) => `${t.urls.pgo}/dossier/${bsn}`;
const isModuleLaunch = (url: URL) => url.href.startsWith(`${t.urls.module}/m/${MODULE_1}/launch?`);
const visitedDigid = (page: Page) => page.hops.some((hop) => hop.startsWith(t.urls.digid));
const lastAudit = async (type: string) => (await t.dvaAuth.dva.audit.recent(20)).find((e) => e.type === type);

/** From the module's launch URL to its app page, and the form submitted: back at the PGO. */
async function completeModule(browser: Browser, launchUrl: string): Promise<Page> {
  const app = await browser.navigate(launchUrl);
  expect(hasTestId(app, 'consent-approve')).toBe(false); // the consent was given in step 5, not again at W13
  expect(visitedDigid(app)).toBe(false);
  expect(textOf(app, 'module-task-id')).toBe('task-1');
  expect(textOf(app, 'module-patient-name')).toContain('Duinen');
  return browser.submit(app, 'module-submit', { systolic: '131', diastolic: '82' });
}

describe('option 1 with long-term consent (no recent collect in this browser)', () => {
  it('asks DigiD when the browser has no correlation cookie, and sets a new one for later launches', async () => {
    // the dossier's collect token (long-term consent) was obtained in another browser
    const earlier = new Browser();
    await collect(t, earlier, await loginAtPgo(t, earlier, TOM), TOM);
    const browser = new Browser();
    const dossier = await loginAtPgo(t, browser, TOM);
    expect(browser.cookieNames(dvaHost(t))).toEqual([]);

    const digid = await browser.submit(dossier, 'start-module-task-1');
    expect(new URL(digid.url).origin).toBe(t.urls.digid); // step 5: missing cookie → a new DigiD login
    const consent = await browser.submit(digid, 'digid-login', { bsn: TOM });
    expect(browser.cookieNames(dvaHost(t))).toContain('dva_correlation'); // "SET a new cookie (for future launches)"
    const w9 = await browser.submit(consent, 'consent-approve', {}, { stopAt: isModuleLaunch });
    expect(isModuleLaunch(new URL(w9.url))).toBe(true);
    expect(await lastAudit('consent.granted')).toMatchObject({ client_id: MODULE_1 });

    // the next launch in this browser is correlated by the new cookie: no DigiD
    const again = await browser.submit(await browser.navigate(dossierUrl()), 'start-module-task-1');
    expect(visitedDigid(again)).toBe(false);
    expect(hasTestId(again, 'consent-approve')).toBe(true); // module-1's policy is `always`
  });

  it('asks DigiD when the collect was longer ago than the window (CORRELATION_COOKIE_TTL)', async () => {
    const browser = new Browser();
    const dossier = await collect(t, browser, await loginAtPgo(t, browser, TOM), TOM);
    travel(t.dvaAuth.dva.config.CORRELATION_COOKIE_TTL + 1);
    const digid = await browser.submit(dossier, 'start-module-task-1');
    expect(new URL(digid.url).origin).toBe(t.urls.digid);
    const consent = await browser.submit(digid, 'digid-login', { bsn: TOM });
    const w9 = await browser.submit(consent, 'consent-approve', {}, { stopAt: isModuleLaunch });
    const app = await browser.navigate(w9.url);
    expect(textOf(app, 'module-task-id')).toBe('task-1');
  });
});

describe('option 1 at the PGO (docs/protocol.md §8 item 24)', () => {
  it('refuses a denied consent with the DVA\'s error, never reaching the module', async () => {
    const browser = new Browser();
    const consent = await browser.submit(await collect(t, browser, await loginAtPgo(t, browser, TOM), TOM), 'start-module-task-1');
    const back = await browser.submit(consent, 'consent-deny');
    expect(back.status).toBe(400);
    expect(textOf(back, 'error')).toContain('access_denied');
    expect(await lastAudit('consent.denied')).toMatchObject({ client_id: MODULE_1, outcome: 'failure' });
  });

  it('refuses a callback whose state this browser did not start', async () => {
    const browser = new Browser();
    await loginAtPgo(t, browser, TOM);
    const page = await browser.navigate(`${option1Callback(t)}?code=x&state=${'s'.repeat(43)}`);
    expect(page.status).toBe(400);
    expect(await browser.navigate(`${option1Callback(t)}?code=x`).then((p) => p.status)).toBe(400);
  });
});

// Last: it completes task-1, after which the PGO offers no start button for it any more.
describe('option 1 with a recent collect (no long-term consent)', () => {
  it('needs no DigiD: the correlation cookie, the consent for module-1, the code to the PGO, then the module', async () => {
    const browser = new Browser();
    const dossier = await collect(t, browser, await loginAtPgo(t, browser, TOM), TOM);
    // docs/protocol.md §3.2 step 2: the collect set the correlation cookie, and 3a's launch cookie is not there yet
    expect(browser.cookieNames(dvaHost(t))).toContain('dva_correlation');
    expect(browser.cookieNames(dvaHost(t))).not.toContain('__Host-dva_launch_auth');

    // steps 3–5: the PGO's /authorize names the module; the DVA shows its consent screen, without DigiD
    const consent = await browser.submit(dossier, 'start-module-task-1');
    expect(visitedDigid(consent)).toBe(false);
    const authorize = new URL(consent.hops.find((hop) => hop.startsWith(`${t.urls.dvaAuth}/authorize?`))!);
    expect(authorize.searchParams.get('audience')).toBe(MODULE_1);
    expect(authorize.searchParams.get('redirect_uri')).toBe(option1Callback(t));
    expect(authorize.searchParams.has('subject_token')).toBe(false); // the collect token never travels (docs/protocol.md §8 item 26)
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(textOf(consent, 'consent-module')).toContain('Bloeddruk meten (optie 1)');

    // steps 6–8: the code back at the PGO, redeemed at the DVA; only iss and launch reach the module
    const w9 = await browser.submit(consent, 'consent-approve', {}, { stopAt: isModuleLaunch });
    expect(w9.hops.some((hop) => hop.startsWith(`${option1Callback(t)}?code=`))).toBe(true);
    expect([...new URL(w9.url).searchParams.keys()].sort()).toEqual(['iss', 'launch']);
    expect(new URL(w9.url).searchParams.get('iss')).toBe(t.urls.dvaFhir);
    expect(browser.cookieNames(dvaHost(t))).toContain('__Host-dva_launch_auth');

    const back = await completeModule(browser, w9.url);
    expect(new URL(back.url).origin).toBe(t.urls.pgo);
    expect(textOf(back, 'task-status-task-1')).toBe('completed');
    expect(await lastAudit('consent.granted')).toMatchObject({ client_id: MODULE_1, outcome: 'success' });
  });
});
