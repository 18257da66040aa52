/**
 * What the PGO and the module must refuse in the front channel of option 3a (docs/protocol.md §8 items
 * 24–27, 29, 30, 32), with the real services. The person is Tom, logged in at the PGO.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dossierHandle } from '@koppelmij/pgo';
import { randomToken } from '@koppelmij/core';
import { Browser, hasTestId, textOf, type Page } from '../support/browser.ts';
import { collect, loginAtPgo } from '../support/flows.ts';
import { MODULE, TOM, startProtocolStack, type ProtocolStack } from '../support/protocol.ts';

const COOKIE_SECRET = randomToken();
const JWT = /eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\./;

let t: ProtocolStack;
let browser: Browser;
let tasks: Page;
beforeAll(async () => {
  t = await startProtocolStack({ serviceEnv: { pgo: { COOKIE_SECRET } } });
  browser = new Browser();
  tasks = await collect(t, browser, await loginAtPgo(t, browser, TOM), TOM);
});
afterAll(() => t?.close());

const pgoRefused = (page: Page, status: number) => {
  expect(page.status).toBe(status);
  expect(hasTestId(page, 'error')).toBe(true);
};
const moduleRefused = (page: Page, status: number) => {
  expect(new URL(page.url).origin).toBe(t.urls.module);
  expect(page.status).toBe(status);
  expect(hasTestId(page, 'module-error')).toBe(true);
};

describe('the PGO', () => {
  it('item 24: refuses a callback whose state it did not send, for collect and for the launch preparation', async () => {
    pgoRefused(await browser.navigate(`${t.urls.pgo}/callback?code=${randomToken()}&state=${randomToken()}`), 400);
    pgoRefused(await browser.navigate(`${t.urls.pgo}/callback_stepup?code=${randomToken()}&state=${randomToken()}`), 400);
    pgoRefused(await browser.navigate(`${t.urls.pgo}/callback_stepup?code=${randomToken()}`), 400);
  });

  it('item 25: offers no launch for a Task whose Endpoint is inactive', () => {
    expect(hasTestId(tasks, 'launch-problem-task-inactive')).toBe(true);
    expect(hasTestId(tasks, 'start-module-task-inactive')).toBe(false);
  });

  it('item 26: sends only iss and an opaque launch code to the browser, never the collect token', async () => {
    const dossier = await browser.navigate(`${t.urls.pgo}/dossier/${TOM}`);
    const w9 = await browser.submit(dossier, 'start-module-task-3a', {}, { stopAt: (url) => url.origin === t.urls.module });
    const params = new URL(w9.url).searchParams;
    expect([...params.keys()].sort()).toEqual(['iss', 'launch']);
    expect(params.get('launch')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    for (const hop of w9.hops) expect(decodeURIComponent(hop)).not.toMatch(JWT);
    expect(dossier.body).not.toMatch(JWT);
  });

  it('item 27: shows the status the DVA reports, not one in the return URL', async () => {
    const back = await browser.navigate(`${t.urls.pgo}/launch_callback?task_id=task-3a&dossier=${dossierHandle(COOKIE_SECRET, TOM)}&module_status=completed&status=completed`);
    expect(new URL(back.url).pathname).toBe(`/dossier/${TOM}`);
    expect(textOf(back, 'task-status-task-3a')).toBe('requested');
  });
});

describe('the module', () => {
  const launchPath = `/m/${MODULE}/launch`;

  it('item 29: refuses a launch without iss or without launch, and starts no flow', async () => {
    for (const query of [`launch=${randomToken()}`, `iss=${encodeURIComponent(t.urls.dvaFhir)}`, '']) {
      const page = await new Browser().navigate(`${t.urls.module}${launchPath}?${query}`);
      moduleRefused(page, 400);
      expect(page.hops).toHaveLength(1);
    }
  });

  it('item 29: refuses an iss it holds no registration for (no redirect to an arbitrary AS)', async () => {
    const page = await new Browser().navigate(`${t.urls.module}${launchPath}?iss=${encodeURIComponent('https://fhir.elsewhere.example/fhir')}&launch=${randomToken()}`);
    moduleRefused(page, 400);
    expect(page.hops).toHaveLength(1);
  });

  it('item 30: refuses a callback whose state this browser\'s launch did not send', async () => {
    const page = await new Browser().navigate(`${t.urls.module}/m/${MODULE}/callback?code=${randomToken()}&state=${randomToken()}`);
    moduleRefused(page, 400);
  });

  it('item 32: keeps the tokens server-side: no token in the pages or cookies of the launched module', async () => {
    const person = new Browser();
    const own = await collect(t, person, await loginAtPgo(t, person, TOM), TOM);
    let app = await person.submit(own, 'start-module-task-3a');
    if (hasTestId(app, 'consent-approve')) app = await person.submit(app, 'consent-approve');
    expect(textOf(app, 'module-task-id')).toBe('task-3a');
    expect(app.body).not.toMatch(JWT);
    expect(person.cookieNames(new URL(t.urls.module).hostname)).toEqual(['module_sid']);
    expect(person.cookieHeader(new URL(`${t.urls.module}/m/${MODULE}/app`))).not.toMatch(JWT);
  });
});
