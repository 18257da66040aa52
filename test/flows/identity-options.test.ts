// Representation and the identity check in the launches the DVA authenticates itself: options 1
// and 3b (from the DVA's own cookies of the collect) and level S (a DigiD login at the module's
// standalone launch). docs/identity-check.md "Options 1, 3b and level S", decisions I39 and I40.
// The DVA requires the check for every token (IDENTITY_CHECK=always); Sanne holds a Task of
// module-1 and one of module-3b in this stack's bundle.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDpopKey, randomToken } from '@koppelmij/core';
import { Browser, hasTestId, textOf, type Page } from '../support/browser.ts';
import { ANNA, SANNE, collectAs, dvaClaims, openDossier, pgoLogin, subOf } from '../support/identity.ts';
import { MODULE_1, MODULE_3B, MODULE_S, isModuleLaunch, launchContext, launchModuleUrl, option1Callback, option1Exchange, option1Url } from '../support/options.ts';
import {
  KOOS, PGO, TOM, callbackParams, collectToken, fhirGetDpop, launchCode, moduleAuthorize, moduleCallback, moduleToken, pkce, post, startProtocolStack,
  type ProtocolStack,
} from '../support/protocol.ts';

const S_SCOPE = 'launch/patient openid fhirUser patient/Patient.read patient/Observation.write';
let t: ProtocolStack;

/** The demo bundle plus copies of Tom's option-1 and option-3b Tasks for Sanne. */
function bundleWithSannesTasks(): string {
  const bundle = JSON.parse(readFileSync(new URL('../../deploy/demo/fhir-bundle.json', import.meta.url), 'utf8')) as { entry: Array<{ resource: { resourceType: string; id: string } }> };
  for (const id of ['task-1', 'task-3b']) {
    const entry = bundle.entry.find((e) => e.resource.resourceType === 'Task' && e.resource.id === id);
    const copy = JSON.stringify(entry).replaceAll(`/Task/${id}"`, `/Task/${id}-van-dijk"`).replaceAll(`"id":"${id}"`, `"id":"${id}-van-dijk"`).replaceAll('Patient/pat-van-duinen', 'Patient/pat-van-dijk');
    bundle.entry.push(JSON.parse(copy) as (typeof bundle.entry)[number]);
  }
  const file = join(mkdtempSync(join(tmpdir(), 'identity-options-')), 'fhir-bundle.json');
  writeFileSync(file, JSON.stringify(bundle));
  return file;
}

beforeAll(async () => {
  t = await startProtocolStack({ env: { FHIR_BUNDLE: bundleWithSannesTasks() }, serviceEnv: { dvaFhir: { IDENTITY_CHECK: 'always' } } });
});
afterAll(() => t?.close());

/** The collect (docs/protocol.md §2.3) as the PGO: DigiD as `bsn`, acting for `represent` when given. */
async function collectFor(browser: Browser, bsn: string, represent?: string): Promise<{ access_token: string }> {
  const { verifier, challenge } = pkce();
  const redirect_uri = `${t.urls.pgo}/callback`;
  const authorize = new URL(`${t.urls.dvaAuth}/authorize`);
  authorize.search = new URLSearchParams({
    response_type: 'code', client_id: PGO, redirect_uri, scope: 'patient/*.read offline_access', state: randomToken(), code_challenge: challenge, code_challenge_method: 'S256',
  }).toString();
  const stop = { stopAt: (u: URL) => u.href.startsWith(redirect_uri) };
  let page = await browser.submit(await browser.navigate(authorize.href, stop), 'digid-login', { bsn }, stop);
  if (represent !== undefined) page = await browser.submit(page, `digid-represent-${represent}`, {}, stop);
  if (hasTestId(page, 'consent-approve')) page = await browser.submit(page, 'consent-approve', {}, stop);
  const token = await post(t, '/token', { grant_type: 'authorization_code', code: callbackParams(page).get('code')!, redirect_uri, code_verifier: verifier });
  expect(token.status).toBe(200);
  return token.body;
}

/** Anna in Sanne's dossier at the real PGO, collected with "on behalf of Sanne": the dossier page. */
async function annaCollectsForSanne(browser: Browser): Promise<Page> {
  await pgoLogin(t, browser, ANNA, 'self');
  const tasks = await collectAs(t, browser, await openDossier(t, browser, SANNE), ANNA, SANNE);
  expect(tasks.url).toBe(`${t.urls.pgo}/dossier/${SANNE}`); // the PGO's own check said `match`
  return tasks;
}

const approved = async (browser: Browser, page: Page) => (hasTestId(page, 'consent-approve') ? browser.submit(page, 'consent-approve') : page);

describe('the representative in the module, and the gate (decision I39)', () => {
  it('option 3b: the DVA session\'s login names the representative; the module says "on behalf of" and reaches the data', async () => {
    const browser = new Browser();
    const tasks = await annaCollectsForSanne(browser);
    const app = await approved(browser, await browser.submit(tasks, 'start-module-task-3b-van-dijk'));
    expect(new URL(app.url).origin).toBe(t.urls.module);
    // the module read Sanne's Patient and Task with a token that waits for no dossier check
    expect(textOf(app, 'module-task-id')).toBe('task-3b-van-dijk');
    expect(textOf(app, 'module-on-behalf')).toBe('U handelt namens Sanne van Dijk');
  });

  it('option 1: the launch derives from the collect token, so it carries its representative and its checked grant', async () => {
    const browser = new Browser();
    const tasks = await annaCollectsForSanne(browser);
    const app = await approved(browser, await browser.submit(tasks, 'start-module-task-1-van-dijk'));
    expect(new URL(app.url).origin).toBe(t.urls.module);
    expect(textOf(app, 'module-task-id')).toBe('task-1-van-dijk');
    expect(textOf(app, 'module-on-behalf')).toBe('U handelt namens Sanne van Dijk');
  });

  it('level S: the standalone launch\'s DigiD login names the representative; no collect grant, so no gate', async () => {
    const browser = new Browser();
    const stop = { stopAt: (u: URL) => u.href.startsWith(moduleCallback(t, MODULE_S)) };
    const atDigid = await moduleAuthorize(t, browser, '', { clientId: MODULE_S, params: { launch: undefined, scope: S_SCOPE } });
    let page = await browser.submit(await browser.navigate(atDigid.page.url, stop), 'digid-login', { bsn: ANNA }, stop);
    page = await browser.submit(page, `digid-represent-${SANNE}`, {}, stop);
    page = await browser.submit(page, 'consent-approve', {}, stop);
    const dpop = await generateDpopKey();
    const tokens = await moduleToken(t, { ...atDigid, page, code: callbackParams(page).get('code')! }, { clientId: MODULE_S, dpop });
    expect(tokens.status).toBe(200);
    expect(tokens.body).toMatchObject({ patient: 'pat-van-dijk', act: { sub: subOf(ANNA) } });
    const claims = await dvaClaims(t, tokens.body.access_token);
    expect(claims).toMatchObject({ sub: subOf(SANNE), act: { sub: subOf(ANNA) }, representation: true });
    expect(claims.identity_grant).toBeUndefined();
    expect((await fhirGetDpop(t, 'Patient/pat-van-dijk', tokens.body.access_token, dpop)).status).toBe(200);
  });

  it('level S in the module: "on behalf of" from the token response\'s `act`', async () => {
    const browser = new Browser();
    const launch = `${t.urls.module}/m/${MODULE_S}/launch?iss=${encodeURIComponent(t.urls.dvaFhir)}`;
    const represent = await browser.submit(await browser.navigate(launch), 'digid-login', { bsn: ANNA });
    const app = await browser.submit(await browser.submit(represent, `digid-represent-${SANNE}`), 'consent-approve');
    expect(hasTestId(app, 'module-standalone')).toBe(true);
    expect(textOf(app, 'module-on-behalf')).toBe('U handelt namens Sanne van Dijk');
  });

  it('a 3a launch still waits for its collect grant\'s check (identity_grant)', async () => {
    const browser = new Browser();
    const collected = await collectToken(t, TOM);
    const launch = await launchCode(t, browser, collected.access_token);
    const dpop = await generateDpopKey();
    const tokens = await moduleToken(t, await moduleAuthorize(t, browser, launch), { dpop });
    expect((await dvaClaims(t, tokens.body.access_token)).identity_grant).toEqual(expect.any(String));
    const read = await fhirGetDpop(t, 'Task/task-3a', tokens.body.access_token, dpop);
    expect(read.status).toBe(403);
    expect(JSON.stringify(read.body)).toContain('identity check required');
  });
});

describe('a browser whose DVA session is another person\'s (decision I36)', () => {
  /** Koos's DVA session in `browser`: his standalone launch of module-s. */
  async function koosSession(browser: Browser): Promise<void> {
    const stop = { stopAt: (u: URL) => u.href.startsWith(moduleCallback(t, MODULE_S)) };
    const atDigid = await moduleAuthorize(t, browser, '', { clientId: MODULE_S, params: { launch: undefined, scope: S_SCOPE } });
    const page = await browser.submit(await browser.submit(await browser.navigate(atDigid.page.url, stop), 'digid-login', { bsn: KOOS }, stop), 'consent-approve', {}, stop);
    expect(callbackParams(page).get('code')).toBeTruthy();
  }

  it('option 3b: Tom\'s launch after DigiD completes at the module\'s /authorize by the launch cookie', async () => {
    const browser = new Browser();
    await koosSession(browser);
    const pastDigid = { stopAt: (u: URL) => isModuleLaunch(t)(u) };
    const digid = await browser.navigate(launchModuleUrl(t, await launchContext(t)), { stopAt: (u: URL) => u.origin === t.urls.digid });
    const launched = await browser.submit(await browser.navigate(digid.url, pastDigid), 'digid-login', { bsn: TOM }, pastDigid);
    const launch = new URL(launched.url).searchParams.get('launch')!;
    const authorization = await moduleAuthorize(t, browser, launch, { clientId: MODULE_3B });
    expect(authorization.error).toBeUndefined();
    expect(authorization.code).toBeTruthy();
  });

  it('3a: Tom\'s launch preparation and module authorization complete', async () => {
    const browser = new Browser();
    await koosSession(browser);
    const launch = await launchCode(t, browser, (await collectToken(t, TOM)).access_token);
    const authorization = await moduleAuthorize(t, browser, launch);
    expect(authorization.error).toBeUndefined();
    expect(authorization.code).toBeTruthy();
  });
});

describe('the DigiD step at a module\'s /authorize under representation (docs/decisions-protocol.md D7, I40)', () => {
  const atModule = { stopAt: (u: URL) => u.origin === t.urls.module };
  /** A 3a launch of Sanne's Task, prepared from Anna's collect for Sanne; its module leg opened in a browser without the launch cookie. */
  async function sannesLaunchElsewhere(): Promise<{ browser: Browser; digid: Page }> {
    const collected = await collectFor(new Browser(), ANNA, SANNE);
    const launch = await launchCode(t, new Browser(), collected.access_token, { task: 'task-van-dijk' });
    const browser = new Browser();
    const authorization = await moduleAuthorize(t, browser, launch);
    expect(new URL(authorization.page.url).origin).toBe(t.urls.digid);
    return { browser, digid: await browser.navigate(authorization.page.url, atModule) };
  }
  const lastAudit = async () => t.dvaStore.get<Record<string, unknown>>(`audit:event:${(await t.dvaStore.get<number>('audit:seq'))!}`);

  it('refuses Sanne herself: the launch was prepared by Anna acting for her', async () => {
    const { browser, digid } = await sannesLaunchElsewhere();
    const page = await browser.submit(digid, 'digid-login', { bsn: SANNE }, atModule);
    expect(callbackParams(page).get('error')).toBe('access_denied');
    expect(await lastAudit()).toMatchObject({ type: 'launch.identity-mismatch', reason: 'DigiD representative differs from the launch' });
  });

  it('completes for Anna acting for Sanne again', async () => {
    const { browser, digid } = await sannesLaunchElsewhere();
    let page = await browser.submit(await browser.submit(digid, 'digid-login', { bsn: ANNA }, atModule), `digid-represent-${SANNE}`, {}, atModule);
    if (hasTestId(page, 'consent-approve')) page = await browser.submit(page, 'consent-approve', {}, atModule);
    expect(page.url.startsWith(moduleCallback(t))).toBe(true);
    expect(callbackParams(page).get('code')).toBeTruthy();
  });
});

describe('option 1\'s own DigiD login (step 5) under representation (decision I40)', () => {
  /** Steps 4–7 in a browser without the collect's cookie: DigiD as `bsn` (for `represent`), then the exchange with Anna's collect token for Sanne. */
  async function option1From(bsn: string, represent?: string) {
    const collected = await collectFor(new Browser(), ANNA, SANNE);
    const browser = new Browser();
    const { verifier, challenge } = pkce();
    const stop = { stopAt: (u: URL) => u.href.startsWith(option1Callback(t)) };
    let page = await browser.submit(await browser.navigate(option1Url(t, challenge, { audience: MODULE_1 }), stop), 'digid-login', { bsn }, stop);
    if (represent !== undefined) page = await browser.submit(page, `digid-represent-${represent}`, {}, stop);
    if (hasTestId(page, 'consent-approve')) page = await browser.submit(page, 'consent-approve', {}, stop);
    const code = callbackParams(page).get('code')!;
    return option1Exchange(t, collected.access_token, { code, verifier }, { resource: 'Task/task-1-van-dijk' });
  }

  it('refuses the exchange when Sanne herself logged in for a launch from Anna\'s collect', async () => {
    const exchanged = await option1From(SANNE);
    expect(exchanged.status).toBe(400);
    expect(exchanged.body).toMatchObject({ error: 'invalid_request', error_description: 'actor_token is invalid' });
  });

  it('exchanges when Anna logged in for Sanne again', async () => {
    const exchanged = await option1From(ANNA, SANNE);
    expect(exchanged.status, JSON.stringify(exchanged.body)).toBe(200);
  });
});
