/**
 * Issue 10 item 3: a page of another origin on the same site (every `*.localhost` service is a
 * same-site sibling, so SameSite=Lax cookies travel) must not be able to post the services'
 * forms in the person's browser (docs/decisions.md I56): the Origin / Fetch Metadata check of
 * service-kit, and a token per form bound to the oidc-provider interaction or the session.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, findForm, hasTestId, type Page } from '../support/browser.ts';
import { loginAtPgo, TOM } from '../support/flows.ts';
import { callbackParams, pkce, startProtocolStack, type ProtocolStack } from '../support/protocol.ts';
import { collectIn, option1Callback, option1Url } from '../support/options.ts';

let stack: ProtocolStack;
beforeAll(async () => {
  stack = await startProtocolStack({ logLevel: 'silent' });
});
afterAll(() => stack?.close());

/** A page the attacker controls on a sibling origin of the same site. */
const attackerPage = () => `${stack.urls.module}/attacker`;
const granted = async () => (await stack.dvaAuth.dva.audit.recent(50)).filter((e) => e.type === 'consent.granted').length;

/** Tom at the DVA's consent screen of a collect, in his own browser. */
async function atCollectConsent(): Promise<{ browser: Browser; consent: Page; action: string; csrf: string }> {
  const browser = new Browser();
  const dossier = await loginAtPgo(stack, browser);
  const digid = await browser.submit(dossier, 'collect');
  const consent = await browser.submit(digid, 'digid-login', { bsn: TOM });
  expect(hasTestId(consent, 'consent-approve')).toBe(true);
  const form = findForm(consent.body, 'consent-approve')!;
  return { browser, consent, action: new URL(form.action, consent.url).href, csrf: form.fields.csrf! };
}

const post = (browser: Browser, action: string, form: Record<string, string>, from?: string) =>
  browser.navigate(action, { method: 'POST', form, ...(from !== undefined && { from }), stopAt: () => true });

function expectRefused(page: Page): void {
  expect(page.status).toBe(403);
  expect(page.headers.location).toBeUndefined(); // no redirect: no code reaches any client
  expect(page.headers['content-type']).toMatch(/^text\/html/);
}

describe('DVA consent (the collect)', () => {
  it('refuses an auto-POST of decision=approve from a same-site page, even with the token; nothing is granted', async () => {
    const { browser, consent, action, csrf } = await atCollectConsent();
    const before = await granted();
    expectRefused(await post(browser, action, { decision: 'approve', csrf }, attackerPage()));
    expect(await granted()).toBe(before);
    // the interaction is untouched: Tom's own click still completes it
    const back = await browser.submit(consent, 'consent-approve');
    expect(new URL(back.url).origin).toBe(stack.urls.pgo);
    expect(await granted()).toBe(before + 1);
  });

  it('refuses a post without a token, with a wrong one, and with the token of another interaction', async () => {
    const other = await atCollectConsent();
    const { browser, consent, action } = await atCollectConsent();
    const before = await granted();
    for (const csrf of [undefined, 'forged', other.csrf]) {
      // no Origin, no Sec-Fetch-Site: a client that is no browser, for which the token alone decides
      expectRefused(await post(browser, action, { decision: 'approve', ...(csrf !== undefined && { csrf }) }));
    }
    expect(await granted()).toBe(before);
    expect(new URL((await browser.submit(consent, 'consent-approve')).url).origin).toBe(stack.urls.pgo);
  });

  it('refuses a decision=deny from another origin too (it would end the interaction)', async () => {
    const { browser, consent, action, csrf } = await atCollectConsent();
    expectRefused(await post(browser, action, { decision: 'deny', csrf }, 'http://evil.example'));
    expect(new URL((await browser.submit(consent, 'consent-approve')).url).origin).toBe(stack.urls.pgo);
  });
});

describe('DVA consent to one module (option 1; the same routes serve level S)', () => {
  it('refuses a same-site auto-POST and a post without the token; the consent still works', async () => {
    const browser = new Browser();
    await collectIn(stack, browser, TOM);
    const atCallback = (u: URL) => u.href.startsWith(option1Callback(stack));
    const consent = await browser.navigate(option1Url(stack, pkce().challenge), { stopAt: atCallback });
    const form = findForm(consent.body, 'consent-approve')!;
    const action = new URL(form.action, consent.url).href;
    const before = await granted();
    expectRefused(await post(browser, action, { decision: 'approve', csrf: form.fields.csrf! }, attackerPage()));
    expectRefused(await post(browser, action, { decision: 'approve' }));
    expect(await granted()).toBe(before);
    const back = await browser.submit(consent, 'consent-approve', {}, { stopAt: atCallback });
    expect(callbackParams(back).get('code')).toBeTruthy();
  });
});

describe('the other forms', () => {
  it('DigiD login: refuses a same-site post and a post without the token', async () => {
    const browser = new Browser();
    const start = await browser.navigate(stack.urls.pgo);
    const login = await browser.submit(start, 'pgo-login');
    const form = findForm(login.body, 'digid-login')!;
    const action = new URL(form.action, login.url).href;
    expectRefused(await post(browser, action, { ...form.fields, bsn: TOM }, attackerPage()));
    const { csrf: _, ...withoutToken } = form.fields;
    expectRefused(await post(browser, action, { ...withoutToken, bsn: TOM }));
    const home = await browser.submit(login, 'digid-login', { bsn: TOM });
    expect(hasTestId(home, `dossier-${TOM}`)).toBe(true);
  });

  it('PGO: refuses its collect form posted from a same-site page, even with the session token', async () => {
    const browser = new Browser();
    const dossier = await loginAtPgo(stack, browser);
    const form = findForm(dossier.body, 'collect')!;
    expectRefused(await post(browser, new URL(form.action, dossier.url).href, form.fields, attackerPage()));
    expect(new URL((await browser.submit(dossier, 'collect')).url).origin).toBe(stack.urls.digid);
  });

  it('module: refuses a submit from another origin before the token is looked at', async () => {
    const response = await fetch(`${stack.urls.module}/m/module-3a/submit`, {
      method: 'POST',
      headers: { origin: stack.urls.pgo, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'systolic=120&diastolic=80',
    });
    expect(response.status).toBe(403);
  });
});
