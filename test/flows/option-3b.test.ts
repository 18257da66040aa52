/**
 * Option 3b end to end (docs/protocol.md §3.5; docs/option-3b.md), as a person in the scripted browser through
 * the real PGO, DVA and module: the PGO sends the browser to the DVA's /launch-module, by GET or by
 * form POST; the DVA's SSO session from the collect (else DigiD) lets it issue its own launch code
 * and start the module's SMART launch, which completes at the DVA. Every launch is audited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, hasTestId, textOf, type Page } from '../support/browser.ts';
import { collect, loginAtPgo } from '../support/flows.ts';
import { TOM, startProtocolStack, type ProtocolStack } from '../support/protocol.ts';
import { MODULE_3B, dvaHost, isModuleLaunch } from '../support/options.ts';

const visited = (page: Page, origin: string) => page.hops.some((hop) => hop.startsWith(origin));

/** The module's launch URL to its app page (first-time consent at the DVA), the form submitted: back at the PGO. */
async function completeModule(t: ProtocolStack, browser: Browser, launchUrl: string): Promise<Page> {
  let app = await browser.navigate(launchUrl);
  expect(visited(app, t.urls.digid)).toBe(false); // 3a's launch cookie, set by /launch-module in this browser
  if (hasTestId(app, 'consent-approve')) app = await browser.submit(app, 'consent-approve'); // module-3b: `first-time`
  expect(textOf(app, 'module-task-id')).toBe('task-3b');
  expect(textOf(app, 'module-patient-name')).toContain('Duinen');
  return browser.submit(app, 'module-submit', { systolic: '125', diastolic: '80' });
}

describe('option 3b by GET redirect', () => {
  let t: ProtocolStack;
  beforeAll(async () => {
    t = await startProtocolStack();
  });
  afterAll(() => t?.close());

  it('asks DigiD when the browser has no DVA session, and opens a new one (long-term consent)', async () => {
    const earlier = new Browser(); // the dossier's collect token comes from another browser
    await collect(t, earlier, await loginAtPgo(t, earlier, TOM), TOM);
    const browser = new Browser();
    const digid = await browser.submit(await loginAtPgo(t, browser, TOM), 'start-module-task-3b');
    expect(new URL(digid.url).origin).toBe(t.urls.digid);
    expect(digid.hops.some((hop) => hop.startsWith(`${t.urls.dvaAuth}/launch-module?`))).toBe(true);
    const launch = await browser.submit(digid, 'digid-login', { bsn: TOM }, { stopAt: isModuleLaunch(t) });
    expect(isModuleLaunch(t)(new URL(launch.url))).toBe(true);
    expect(browser.cookieNames(dvaHost(t))).toEqual(expect.arrayContaining(['dva_sso', '__Host-dva_launch_auth']));
  });

  it('launches from the SSO session of the collect without DigiD, completes, and audits who, which module, which Task', async () => {
    const browser = new Browser();
    const dossier = await collect(t, browser, await loginAtPgo(t, browser, TOM), TOM);
    expect(browser.cookieNames(dvaHost(t))).toContain('dva_sso'); // docs/protocol.md §3.5 step 2

    // step 4: GET /launch-module with the module and the PGO's signed context, nothing else
    const step7 = await browser.submit(dossier, 'start-module-task-3b', {}, { stopAt: isModuleLaunch(t) });
    const step4 = new URL(step7.hops.find((hop) => hop.startsWith(`${t.urls.dvaAuth}/launch-module?`))!);
    expect([...step4.searchParams.keys()].sort()).toEqual(['context', 'module']);
    expect(step4.searchParams.get('module')).toBe(MODULE_3B);
    expect(visited(step7, t.urls.digid)).toBe(false);
    // step 7: iss = the DVA FHIR base, and a launch code
    const launch = new URL(step7.url);
    expect([...launch.searchParams.keys()].sort()).toEqual(['iss', 'launch']);
    expect(launch.searchParams.get('iss')).toBe(t.urls.dvaFhir);

    const back = await completeModule(t, browser, step7.url);
    expect(new URL(back.url).origin).toBe(t.urls.pgo);
    expect(textOf(back, 'task-status-task-3b')).toBe('completed');

    const events = await t.dvaAuth.dva.audit.recent(50);
    const issued = events.filter((e) => e.type === 'launch-module.issued');
    expect(issued).toHaveLength(2); // this launch and the one of the test before
    expect(issued[0]).toMatchObject({ client_id: 'pgo-demo', audience: MODULE_3B, resources: ['Task/task-3b'], outcome: 'success', sub: t.dvaAuth.dva.patients.byBsn(TOM)!.sub });
  });
});

describe('option 3b by form POST (LAUNCH_REDIRECT=form_post)', () => {
  let t: ProtocolStack;
  beforeAll(async () => {
    t = await startProtocolStack({ serviceEnv: { pgo: { LAUNCH_REDIRECT: 'form_post' } } });
  });
  afterAll(() => t?.close());

  it('posts module and context to the DVA, which answers 303 to a GET that carries its session cookie', async () => {
    const browser = new Browser();
    const dossier = await collect(t, browser, await loginAtPgo(t, browser, TOM), TOM);
    const form = await browser.submit(dossier, 'start-module-task-3b');
    expect(new URL(form.url).origin).toBe(t.urls.pgo);
    expect(form.body).toContain(`<form method="post" action="${t.urls.dvaAuth}/launch-module">`);
    expect(String(form.headers['content-security-policy'])).toMatch(/script-src 'sha256-/);

    // what the page's script does: the POST, then the DVA's 303 to GET /launch-module (same parameters)
    const step7 = await browser.submit(form, 'launch-module-continue', {}, { stopAt: isModuleLaunch(t) });
    expect(step7.hops[0]).toBe(`${t.urls.dvaAuth}/launch-module`);
    expect(step7.hops[1]).toMatch(new RegExp(`^${t.urls.dvaAuth}/launch-module\\?module=${MODULE_3B}&context=`));
    expect(visited(step7, t.urls.digid)).toBe(false);

    const back = await completeModule(t, browser, step7.url);
    expect(textOf(back, 'task-status-task-3b')).toBe('completed');
  });
});
