/**
 * Mix-up defence (RFC 9207 §2.4, RFC 9700 §4.4) at every client of the real stack: the module at
 * the DVA, and the DVA at DigiD. Both servers (oidc-provider) advertise
 * `authorization_response_iss_parameter_supported`; a response naming another issuer, or none, is
 * refused before its code is redeemed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, hasTestId, textOf, type Page } from '../support/browser.ts';
import { collect, loginAtPgo } from '../support/flows.ts';
import { TOM, startProtocolStack, type ProtocolStack } from '../support/protocol.ts';

let t: ProtocolStack;
beforeAll(async () => {
  t = await startProtocolStack();
});
afterAll(() => t?.close());

const EVIL = 'https://evil.example';

function withIss(url: string, iss: string | undefined): string {
  const next = new URL(url);
  if (iss === undefined) next.searchParams.delete('iss');
  else next.searchParams.set('iss', iss);
  return next.href;
}

/** A 3a launch up to the DVA's answer at the module's callback, not yet followed. */
async function moduleCallback(browser: Browser): Promise<Page> {
  const tasks = await collect(t, browser, await loginAtPgo(t, browser, TOM), TOM);
  const w9 = await browser.submit(tasks, 'start-module-task-3a', {}, { stopAt: (url) => url.origin === t.urls.module });
  const isCallback = (url: URL) => url.origin === t.urls.module && url.pathname.endsWith('/callback');
  let page = await browser.navigate(w9.url, { stopAt: isCallback });
  if (hasTestId(page, 'consent-approve')) page = await browser.submit(page, 'consent-approve', {}, { stopAt: isCallback });
  expect(new URL(page.url).searchParams.get('iss')).toBe(t.urls.dvaAuth);
  return page;
}

describe('the module at the DVA', () => {
  it.each([
    ['another issuer', EVIL, 'issuer_mismatch'],
    ['no issuer', undefined, 'issuer_missing'],
  ])('refuses an answer naming %s with a 400 page and shows no patient data', async (_name, iss, code) => {
    const browser = new Browser();
    const callback = await moduleCallback(browser);
    const page = await browser.navigate(withIss(callback.url, iss));
    expect(new URL(page.url).origin).toBe(t.urls.module);
    expect(page.status).toBe(400);
    expect(hasTestId(page, 'module-error')).toBe(true);
    expect(textOf(page, 'module-error-code')).toBe(code);
    expect(page.body).not.toContain('data-testid="module-patient-name"');
  });
});

describe('the DVA at DigiD', () => {
  it.each([
    ['another issuer', EVIL],
    ['no issuer', undefined],
  ])('refuses a DigiD answer naming %s with a 400 page', async (_name, iss) => {
    const browser = new Browser();
    const dossier = await loginAtPgo(t, browser, TOM);
    const digid = await browser.submit(dossier, 'collect');
    const isDigidCallback = (url: URL) => url.origin === t.urls.dvaAuth && url.pathname === '/digid/callback';
    const answer = await browser.submit(digid, 'digid-login', { bsn: TOM }, { stopAt: isDigidCallback });
    expect(new URL(answer.url).searchParams.get('iss')).toBe(t.urls.digid);
    const page = await browser.navigate(withIss(answer.url, iss));
    expect(new URL(page.url).origin).toBe(t.urls.dvaAuth);
    expect(page.status).toBe(400);
    expect(page.body).toContain(iss === undefined ? 'issuer_missing' : 'issuer_mismatch');
    expect(hasTestId(page, 'consent-approve')).toBe(false);
  });
});
