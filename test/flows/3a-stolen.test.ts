/**
 * The core threat of every option (docs/protocol.md §0): a stolen launch URL. With the real PGO, module and
 * DVA, the owner's browser prepares a launch (W1–W9) and the test captures the module launch URL
 * (W10) before the browser opens it. A second browser (the thief) holds no Module DVA
 * Authentication cookie. docs/protocol.md §8 item 13; docs/decisions-protocol.md D7 (cookie or DigiD, same person) and D8
 * (a failed browser check burns the launch).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Browser, hasTestId, textOf, type Page } from '../support/browser.ts';
import { collect, loginAtPgo } from '../support/flows.ts';
import { KOOS, MODULE, TOM, moduleCallback, startProtocolStack, travel, type ProtocolStack } from '../support/protocol.ts';

let t: ProtocolStack;
let owner: Browser;
beforeAll(async () => {
  // the launch code outlives the 3-minute cookie here, so the cookie's own expiry can be seen
  t = await startProtocolStack({ serviceEnv: { dvaAuth: { LAUNCH_CODE_TTL: '600' } } });
  owner = new Browser();
  await collect(t, owner, await loginAtPgo(t, owner, TOM), TOM);
});
afterAll(() => t?.close());
afterEach(() => vi.useRealTimers());

const isLaunchUrl = (url: URL) => url.href.startsWith(`${t.urls.module}/m/${MODULE}/launch?`);

/** The owner starts task-3a at the PGO; returns the W9 URL, unopened. */
async function stealableLaunch(): Promise<string> {
  const dossier = await owner.navigate(`${t.urls.pgo}/dossier/${TOM}`);
  const w9 = await owner.submit(dossier, 'start-module-task-3a', {}, { stopAt: isLaunchUrl });
  expect(isLaunchUrl(new URL(w9.url))).toBe(true);
  expect(new URL(w9.url).searchParams.get('iss')).toBe(t.urls.dvaFhir);
  return w9.url;
}

/** Approves the DVA consent screen when the module's first-time consent asks for it. */
const throughConsent = async (browser: Browser, page: Page) => (hasTestId(page, 'consent-approve') ? browser.submit(page, 'consent-approve') : page);
/** True when any hop delivered an authorization code to the module (RFC 6749 §4.1.2). */
const gotCode = (page: Page) => page.hops.some((hop) => hop.startsWith(moduleCallback(t)) && new URL(hop).searchParams.has('code'));
const atDigidLogin = (page: Page) => new URL(page.url).origin === t.urls.digid && hasTestId(page, 'digid-login');
const moduleRefused = (page: Page, code: string) => {
  expect(new URL(page.url).origin).toBe(t.urls.module);
  expect(hasTestId(page, 'module-error')).toBe(true);
  expect(textOf(page, 'module-error-code')).toBe(code);
};
const opensTask = (page: Page) => {
  expect(textOf(page, 'module-task-id')).toBe('task-3a');
  expect(textOf(page, 'module-patient-name')).toContain('Duinen');
};
const lastAudit = async (type: string) => (await t.dvaAuth.dva.audit.recent(10)).find((e) => e.type === type);

describe('the owner opens the launch first', () => {
  it('reaches the module on the cookie, without DigiD; the thief who comes later gets no code', async () => {
    const launchUrl = await stealableLaunch();
    const mine = await throughConsent(owner, await owner.navigate(launchUrl));
    expect(mine.hops.some((hop) => hop.startsWith(t.urls.digid))).toBe(false);
    opensTask(mine);

    const theirs = await new Browser().navigate(launchUrl);
    moduleRefused(theirs, 'invalid_request'); // docs/protocol.md §8 item 11: already used
    expect(gotCode(theirs)).toBe(false);
    expect(theirs.hops.some((hop) => hop.startsWith(t.urls.digid))).toBe(false);
  });
});

describe('the thief opens the launch first', () => {
  it('sends the thief to DigiD, never to the module with a code, and burns the launch for the owner too (D8)', async () => {
    const launchUrl = await stealableLaunch();
    const thief = new Browser();
    const digid = await thief.navigate(launchUrl);
    expect(atDigidLogin(digid)).toBe(true); // no cookie: the DVA asks who this is (D7)
    expect(gotCode(digid)).toBe(false);
    expect(await lastAudit('launch.browser-check-failed')).toMatchObject({ client_id: MODULE, outcome: 'failure', reason: 'launch cookie absent' });

    const mine = await owner.navigate(launchUrl);
    moduleRefused(mine, 'invalid_request');
    expect(gotCode(mine)).toBe(false);
  });

  it('denies the thief who logs in as someone else, and audits it (docs/protocol.md §8 item 13, D7)', async () => {
    const launchUrl = await stealableLaunch();
    const thief = new Browser();
    const digid = await thief.navigate(launchUrl);
    const back = await thief.submit(digid, 'digid-login', { bsn: KOOS });
    moduleRefused(back, 'access_denied');
    expect(gotCode(back)).toBe(false);
    const event = await lastAudit('launch.identity-mismatch');
    expect(event).toMatchObject({ type: 'launch.identity-mismatch', client_id: MODULE, outcome: 'failure' });
    expect(event?.sub).toBe(t.dvaAuth.dva.patients.byBsn(TOM)?.sub); // the launch's person, pseudonymous
    expect(JSON.stringify(event)).not.toContain(KOOS);

    moduleRefused(await owner.navigate(launchUrl), 'invalid_request'); // and the launch is gone (D8)
  });

  it('lets the same person through DigiD in another browser (the DigiD branch of D7)', async () => {
    const launchUrl = await stealableLaunch();
    const other = new Browser();
    const digid = await other.navigate(launchUrl);
    expect(atDigidLogin(digid)).toBe(true);
    opensTask(await throughConsent(other, await other.submit(digid, 'digid-login', { bsn: TOM })));
  });
});

describe('the Module DVA Authentication cookie (docs/protocol.md §8 item 13)', () => {
  it('does not let a thief\'s own cookie (from his own launch preparation) stand in for the owner\'s', async () => {
    const launchUrl = await stealableLaunch();
    const thief = new Browser(); // Koos prepares a launch of his own Task: his browser now holds a launch cookie
    await collect(t, thief, await loginAtPgo(t, thief, KOOS), KOOS);
    const own = await thief.submit(await thief.navigate(`${t.urls.pgo}/dossier/${KOOS}`), 'start-module-task-de-groot', {}, { stopAt: isLaunchUrl });
    expect(isLaunchUrl(new URL(own.url))).toBe(true);
    expect(thief.cookieNames(new URL(t.urls.dvaAuth).hostname)).toContain('__Host-dva_launch_auth');

    const page = await thief.navigate(launchUrl);
    expect(atDigidLogin(page)).toBe(true);
    expect(gotCode(page)).toBe(false);
    expect(await lastAudit('launch.browser-check-failed')).toMatchObject({ client_id: MODULE, outcome: 'failure', reason: 'launch cookie other' });
    moduleRefused(await thief.submit(page, 'digid-login', { bsn: KOOS }), 'access_denied');
  });

  it('no longer authenticates after 3 minutes: DigiD is asked instead', async () => {
    const launchUrl = await stealableLaunch();
    travel(181);
    const page = await owner.navigate(launchUrl);
    expect(atDigidLogin(page)).toBe(true);
    expect(gotCode(page)).toBe(false);
  });
});
