/**
 * The five integration levels of docs/protocol.md §5 (docs/integration-levels.md) in the demo, through the real
 * PGO, DVA and module: the PGO shows each module's level and behaves by it. L is a plain link and
 * TL a Task's Endpoint opened without launch or data; S is a standalone SMART launch at the DVA with
 * DigiD and explicit consent, whose token reaches the person's Patient and nothing else; PS needs
 * the PGO's own authorization server and FHIR facade, no DVA; T is the Task launch (options 1, 3a, 3b).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_ASSERTION_TYPE, generateDpopKey, verifyJwtAccessToken } from '@koppelmij/core';
import { registrationsSchema } from '@koppelmij/service-kit';
import { Browser, hasTestId, textOf, type Page } from '../support/browser.ts';
import { collect, loginAtPgo } from '../support/flows.ts';
import { KOOS, TOM, fhirGetDpop, moduleAuthorize, moduleCallback, moduleToken, startProtocolStack, type ProtocolStack } from '../support/protocol.ts';
import { MODULE_2A, moduleAssertion, pgoAuthorize, pgoToken } from '../support/delegation.ts';
import { MODULE_S } from '../support/options.ts';

const MODULE_PS = 'module-ps';
const PS_SCOPE = 'launch patient/Patient.read patient/Observation.write';

/** RFC 7009 §2.1 at the PGO, with `clientId`'s assertion for the PGO's token endpoint. */
async function pgoRevoke(t: ProtocolStack, clientId: string, token: string): Promise<Response> {
  const assertion = await moduleAssertion(t, clientId, { audience: `${t.urls.pgo}/token`, jkt: null });
  const body = new URLSearchParams({ token, token_type_hint: 'access_token', client_id: clientId, client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: assertion });
  return fetch(`${t.urls.pgo}/revoke`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
}

let t: ProtocolStack;
let browser: Browser;
let dossier: Page;
beforeAll(async () => {
  t = await startProtocolStack();
  browser = new Browser();
  dossier = await collect(t, browser, await loginAtPgo(t, browser, TOM), TOM);
});
afterAll(() => t?.close());

const hrefOf = (page: Page, testid: string) => new RegExp(`href="([^"]*)"[^>]*data-testid="${testid}"`).exec(page.body)?.[1]?.replace(/&amp;/g, '&');
const visited = (page: Page, origin: string) => page.hops.some((hop) => hop.startsWith(origin));
const S_SCOPE = 'launch/patient openid fhirUser patient/Patient.read patient/Observation.write';

describe('the PGO shows the level of every module', () => {
  it.each([
    ['task-3a', 'T'], ['task-1', 'T'], ['task-3b', 'T'], ['task-tl', 'TL'],
    ['thuisarts-hoge-bloeddruk', 'L'], [MODULE_S, 'S'], [MODULE_PS, 'PS'],
  ])('%s is level %s', (id, level) => {
    expect(textOf(dossier, `module-level-${id}`)).toBe(level);
  });

  it('offers a PS module a start of the PGO\'s own, not a standalone launch at the DVA', () => {
    expect(hasTestId(dossier, `start-ps-${MODULE_PS}`)).toBe(true);
    expect(hasTestId(dossier, `start-standalone-${MODULE_PS}`)).toBe(false);
  });
});

describe('PS: a module of the PGO\'s domain, the PGO its authorization server', () => {
  const atLaunch = { stopAt: (u: URL) => u.origin === t.urls.module && u.pathname === `/m/${MODULE_PS}/launch` };

  it('shows the person\'s name from the PGO and stores the result in the dossier, without the DVA', async () => {
    const before = (await t.dvaAuth.dva.audit.recent(100)).length;
    const app = await browser.submit(dossier, `start-ps-${MODULE_PS}`);
    expect(textOf(app, 'module-patient-name')).toContain('Duinen');
    expect(hasTestId(app, 'module-task-id')).toBe(false);
    expect(app.hops.some((hop) => hop.startsWith(`${t.urls.pgo}/authorize?`))).toBe(true);
    const done = await browser.submit(app, 'module-submit', { systolic: '131', diastolic: '84' });
    expect(hasTestId(done, 'module-done')).toBe(true);
    const again = await browser.navigate(dossier.url);
    expect(textOf(again, `ps-results-${MODULE_PS}`)).toContain('131 / 84 mmHg');
    expect(visited(app, t.urls.dvaAuth) || visited(done, t.urls.dvaAuth)).toBe(false);
    expect((await t.dvaAuth.dva.audit.recent(100)).length).toBe(before);
  });

  it('is no client of the DVA (docs/integration-levels.md decision 10)', async () => {
    expect(await t.dvaAuth.dva.provider.Client.find(MODULE_PS)).toBeUndefined();
    expect(await t.dvaAuth.dva.provider.Client.find(MODULE_S)).toBeDefined();
  });

  it('launches with iss = the PGO FHIR base and a launch token of the PGO', async () => {
    const at = await browser.submit(await browser.navigate(dossier.url), `start-ps-${MODULE_PS}`, {}, atLaunch);
    const url = new URL(at.url);
    expect(url.searchParams.get('iss')).toBe(`${t.urls.pgo}/fhir`);
    expect(url.searchParams.get('launch')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('revokes at the PGO (RFC 7009): only the module the token was issued to, after which the facade refuses it', async () => {
    const at = await browser.submit(await browser.navigate(dossier.url), `start-ps-${MODULE_PS}`, {}, atLaunch);
    const key = await generateDpopKey();
    const auth = await pgoAuthorize(t, browser, MODULE_PS, new URL(at.url).searchParams.get('launch')!, { scope: PS_SCOPE });
    const tokens = await pgoToken(t, MODULE_PS, auth, key);
    expect(tokens.status).toBe(200);
    const { access_token: token, patient } = tokens.body as { access_token: string; patient: string };
    const read = () => fhirGetDpop(t, `Patient/${patient}`, token, key, `${t.urls.pgo}/fhir`);
    expect((await read()).status).toBe(200);

    // RFC 7009 §2.1: another client's request is answered 200 and changes nothing (§2.2)
    expect((await pgoRevoke(t, MODULE_2A, token)).status).toBe(200);
    expect((await read()).status).toBe(200);
    // RFC 7009 §2.1: a request without client authentication is refused, 401 invalid_client (RFC 6749 §5.2; docs/decisions.md I146)
    const anonymous = await fetch(`${t.urls.pgo}/revoke`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token }) });
    expect(anonymous.status).toBe(401);
    expect((await anonymous.json()) as unknown).toMatchObject({ error: 'invalid_client' });
    expect((await read()).status).toBe(200);

    expect((await pgoRevoke(t, MODULE_PS, token)).status).toBe(200);
    const refused = await read();
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('gives a stolen launch URL in another browser no token, and burns it', async () => {
    const at = await browser.submit(await browser.navigate(dossier.url), `start-ps-${MODULE_PS}`, {}, atLaunch);
    const thief = await new Browser().navigate(at.url);
    expect(hasTestId(thief, 'module-error')).toBe(true);
    expect(thief.hops.some((hop) => hop.startsWith(`${moduleCallback(t, MODULE_PS)}?`) && new URL(hop).searchParams.get('error') === 'access_denied')).toBe(true);
    expect(hasTestId(thief, 'module-patient-name')).toBe(false);
    const owner = await browser.navigate(at.url); // decision I4 at the PGO: the thief's try burned it
    expect(hasTestId(owner, 'module-error')).toBe(true);
    expect(hasTestId(owner, 'module-patient-name')).toBe(false);
  });
});

describe('L and TL: links without data', () => {
  it('L: a plain link to the module, no DVA involved', async () => {
    const href = hrefOf(dossier, 'open-link-thuisarts-hoge-bloeddruk');
    expect(href).toBe(`${t.urls.module}/info/hoge-bloeddruk`);
    const page = await browser.navigate(href!);
    expect(textOf(page, 'info-title')).toBe('Hoge bloeddruk');
  });

  it('TL: the Task\'s Endpoint.address, opened as it is: no launch, no token, no DVA authorization', async () => {
    const before = (await t.dvaAuth.dva.audit.recent(100)).length;
    const page = await browser.submit(dossier, 'open-link-task-tl');
    expect(page.url).toBe(`${t.urls.module}/info/leven-met-diabetes`);
    expect(textOf(page, 'info-title')).toBe('Leven met diabetes');
    expect(visited(page, t.urls.dvaAuth)).toBe(false);
    expect(page.hops.every((hop) => !/[?&](launch|iss|code)=/.test(hop))).toBe(true);
    expect((await t.dvaAuth.dva.audit.recent(100)).length).toBe(before);
  });
});

describe('S: a standalone launch at the DVA', () => {
  it('goes through DigiD and the explicit consent to the module, which records a result for the person', async () => {
    const href = hrefOf(dossier, `start-standalone-${MODULE_S}`);
    expect(href).toBe(`${t.urls.module}/m/${MODULE_S}/launch?iss=${encodeURIComponent(t.urls.dvaFhir)}`);
    const digid = await browser.navigate(href!);
    const authorize = new URL(digid.hops.find((hop) => hop.startsWith(`${t.urls.dvaAuth}/authorize?`))!);
    expect(authorize.searchParams.has('launch')).toBe(false); // SMART standalone launch
    expect(authorize.searchParams.get('scope')).toBe(S_SCOPE);
    expect(new URL(digid.url).origin).toBe(t.urls.digid); // always DigiD: nothing vouches for this browser
    const consent = await browser.submit(digid, 'digid-login', { bsn: TOM });
    expect(textOf(consent, 'consent-module')).toBe('Bloeddruk doorgeven (op eigen initiatief)'); // docs/protocol.md §5: explicit consent
    const app = await browser.submit(consent, 'consent-approve');
    expect(textOf(app, 'module-patient-name')).toContain('Duinen');
    expect(hasTestId(app, 'module-standalone')).toBe(true);
    expect(hasTestId(app, 'module-task-id')).toBe(false);
    const done = await browser.submit(app, 'module-submit', { systolic: '120', diastolic: '79' });
    expect(hasTestId(done, 'module-done')).toBe(true);
  });

  it('asks the consent again on every launch (level S default: `always`)', async () => {
    const again = await browser.navigate(hrefOf(dossier, `start-standalone-${MODULE_S}`)!);
    expect(hasTestId(await browser.submit(again, 'digid-login', { bsn: TOM }), 'consent-approve')).toBe(true);
  });

  it('is for the person who logs in at DigiD, also in a browser whose DVA session is another person\'s', async () => {
    const digid = await browser.navigate(hrefOf(dossier, `start-standalone-${MODULE_S}`)!); // this browser collected as Tom
    const consent = await browser.submit(digid, 'digid-login', { bsn: KOOS });
    const app = await browser.submit(consent, 'consent-approve');
    expect(textOf(app, 'module-patient-name')).toContain('de Groot');
  });

  it('gives a token whose context is the person: their Patient, never a Task', async () => {
    const other = new Browser();
    const atDigid = await moduleAuthorize(t, other, '', { clientId: MODULE_S, params: { launch: undefined, scope: S_SCOPE } });
    const stop = { stopAt: (u: URL) => u.href.startsWith(moduleCallback(t, MODULE_S)) };
    let page = await other.submit(await other.navigate(atDigid.page.url, stop), 'digid-login', { bsn: TOM }, stop);
    page = await other.submit(page, 'consent-approve', {}, stop);
    const dpop = await generateDpopKey();
    const tokens = await moduleToken(t, { ...atDigid, page, code: new URL(page.url).searchParams.get('code')! }, { clientId: MODULE_S, dpop });
    expect(tokens.status).toBe(200);
    expect(tokens.body).toMatchObject({ patient: 'pat-van-duinen', token_type: 'DPoP' });
    expect(tokens.body.fhirContext).toBeUndefined();
    const claims = await verifyJwtAccessToken(tokens.body.access_token, { key: t.dvaAuth.dva.signingKey.publicKey, issuer: t.urls.dvaAuth, audience: t.urls.dvaFhir });
    expect(claims.fhirContext).toEqual([{ reference: 'Patient/pat-van-duinen' }]);
    expect((await fhirGetDpop(t, 'Patient/pat-van-duinen', tokens.body.access_token, dpop)).status).toBe(200);
    expect((await fhirGetDpop(t, 'Patient/pat-de-groot', tokens.body.access_token, dpop)).status).toBe(404); // another person
    expect((await fhirGetDpop(t, 'Task/task-3a', tokens.body.access_token, dpop)).status).toBe(403); // no Task in scope or context
  });

  it('refuses a launch parameter it never issued', async () => {
    const authorization = await moduleAuthorize(t, new Browser(), 'not-a-launch-code', { clientId: MODULE_S, params: { scope: S_SCOPE } });
    expect(authorization.error).toBe('invalid_request');
  });

  it('refuses, at the module, a standalone launch that carries a launch or an untrusted iss (docs/protocol.md §8 item 29)', async () => {
    const base = `${t.urls.module}/m/${MODULE_S}/launch`;
    for (const query of [`iss=${encodeURIComponent(t.urls.dvaFhir)}&launch=x`, 'iss=https%3A%2F%2Fevil.example%2Ffhir', '']) {
      const page = await new Browser().navigate(`${base}?${query}`);
      expect(page.status).toBe(400);
      expect(hasTestId(page, 'module-error')).toBe(true);
    }
  });
});

describe('the consent policy follows the level by default (docs/protocol.md §5)', () => {
  const registration = (level: string, consent?: string) => ({
    client_id: `m-${level}`, client_name: level, redirect_uris: ['https://m.example/cb'], scope: 'launch', token_endpoint_auth_method: 'private_key_jwt',
    jwks_uri: 'https://m.example/jwks', integration_level: level, launch_url: 'https://m.example/launch', ...(level !== 'S' && level !== 'PS' && { launch_option: '3a' }),
    ...(consent !== undefined && { consent }),
  });
  const consentOf = (entry: object) => registrationsSchema.parse({ pgos: [], modules: [entry] }).modules[0]!.consent;

  it('S: always; T: never; a registration that names its policy keeps it', () => {
    expect(consentOf(registration('S'))).toBe('always');
    expect(consentOf(registration('T'))).toBe('never');
    expect(consentOf(registration('T', 'first-time'))).toBe('first-time');
    expect(consentOf(registration('S', 'first-time'))).toBe('first-time');
  });

  it('a Task-launched module needs its launch option; S and PS have none', () => {
    expect(() => consentOf({ ...registration('T'), launch_option: undefined })).toThrow(/launch_option is required/);
    expect(consentOf(registration('PS'))).toBe('never');
    expect(() => consentOf({ ...registration('PS'), launch_option: '2a' })).toThrow(/launch_option is required/);
    expect(() => consentOf({ ...registration('S'), launch_option: '3a' })).toThrow(/launch_option is required/);
  });
});
