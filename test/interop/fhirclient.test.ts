/**
 * fhirclient (SMART's JavaScript client), unmodified, through its Node adapter: an EHR launch of
 * options 1, 3a and 3b, started by the real PGO in the scripted browser, with an asymmetric
 * confidential registration signing ES384 or RS384 (SMART App Launch 2.x: servers SHALL support
 * both; docs/decisions.md I101) and a public registration (`none`, PKCE; I104). The registrations
 * and FHIR resources are data only (test/interop/registrations.json, fhir-bundle.json; I105).
 * fhirclient sends no DPoP proofs, so these registrations allow Bearer tokens (I100).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, hasTestId, type Page } from '../support/browser.ts';
import { collect, loginAtPgo, TOM } from '../support/flows.ts';
import { startProtocolStack, type ProtocolStack } from '../support/protocol.ts';
import { startFhirclientApp, type AppResult, type FhirclientApp } from './support/fhirclient-app.ts';
import { interopFhirBundle, interopKeys, interopRegistrationsFile, publicJwks } from './support/registrations.ts';
import { resolveLocalhostNamesForNodeClients } from './support/resolve.ts';

const OPTIONS = ['3a', '1', '3b'] as const;
const AUTHENTICATIONS = ['es384', 'rs384', 'public'] as const;
const clientIdOf = (option: string, authentication: string) => `fhirclient-${option}-${authentication}`;

let t: ProtocolStack;
let app: FhirclientApp;
let browser: Browser;

beforeAll(async () => {
  resolveLocalhostNamesForNodeClients();
  const keys = await interopKeys();
  app = await startFhirclientApp(OPTIONS.flatMap((option) => AUTHENTICATIONS.map((authentication) => ({
    clientId: clientIdOf(option, authentication),
    scope: 'launch openid fhirUser patient/*.read',
    ...(authentication !== 'public' && { clientPrivateJwk: keys[authentication]!.privateJwk }),
  }))));
  const data = { jwks: publicJwks(keys), appUrl: app.url };
  t = await startProtocolStack({ env: { REGISTRATIONS_FILE: interopRegistrationsFile(data), FHIR_BUNDLE: interopFhirBundle(data) } });
  browser = new Browser();
  await collect(t, browser, await loginAtPgo(t, browser, TOM), TOM);
});
afterAll(async () => {
  await t?.close();
  await app?.close();
});

/** The person starts the module from the dossier; the PGO prepares the option's launch and sends the browser to the app. */
async function launch(clientId: string): Promise<{ launchPage: Page; result: AppResult }> {
  const atApp = (url: URL) => url.origin === app.url;
  const dossier = await browser.navigate(`${t.urls.pgo}/dossier/${TOM}`);
  let page = await browser.submit(dossier, `start-module-task-${clientId}`, {}, { stopAt: atApp });
  if (hasTestId(page, 'consent-approve')) page = await browser.submit(page, 'consent-approve', {}, { stopAt: atApp }); // option 1's consent
  expect(page.url.startsWith(`${app.url}/m/${clientId}/launch?`), `stopped at ${page.url}`).toBe(true);
  const done = await browser.navigate(page.url); // fhirclient → the DVA's /authorize → the app's callback → ready()
  expect(done.url.startsWith(`${app.url}/m/${clientId}/callback?`), `ended at ${done.url}: ${done.body.slice(0, 300)}`).toBe(true);
  return { launchPage: page, result: JSON.parse(done.body) as AppResult };
}

describe.each(OPTIONS)('option %s', (option) => {
  it.each(AUTHENTICATIONS)('launches with fhirclient as a %s client and reads the Task and the patient', async (authentication) => {
    const clientId = clientIdOf(option, authentication);
    const { launchPage, result } = await launch(clientId);
    expect(new URL(launchPage.url).searchParams.get('iss')).toBe(t.urls.dvaFhir);
    expect(result.error).toBeUndefined();
    expect(result).toMatchObject({ token_type: 'Bearer', patient: 'pat-van-duinen', patientResource: { id: 'pat-van-duinen' } });
    expect(result.task).toMatchObject({ id: `task-${clientId}`, for: { reference: 'Patient/pat-van-duinen' } });
  });
});
