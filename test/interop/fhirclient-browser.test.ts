/**
 * fhirclient's browser build, unmodified, in Debian's Chromium: an option 3a launch of a public
 * registration started at the real PGO, where the app's own page redeems the code and reads the
 * Task from the browser. That needs CORS at the DVA's token endpoint and at dva-fhir.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumOrSkip } from '../support/chromium.ts';
import { browserSuite } from '../browser/fixture.ts';
import { collectTasks, textOf } from '../browser/steps.ts';
import { startFhirclientBrowserApp, type BrowserApp } from './support/fhirclient-browser-app.ts';
import { interopFhirBundle, interopKeys, interopRegistrationsFile, publicJwks } from './support/registrations.ts';

const executablePath = chromiumOrSkip('test/interop/fhirclient-browser');
const CLIENT_ID = 'fhirclient-3a-public';

describe('fhirclient in Chromium (public client, option 3a)', () => {
  let app: BrowserApp;
  let data: { jwks: Record<string, object[]>; appUrl: string };
  beforeAll(async () => {
    app = await startFhirclientBrowserApp([CLIENT_ID], 'launch openid fhirUser patient/*.read');
    data = { jwks: publicJwks(await interopKeys()), appUrl: app.url };
  });
  afterAll(() => app?.close());
  const suite = browserSuite(executablePath, {
    failed: 'fhirclient-browser-failed',
    stack: () => ({ env: { REGISTRATIONS_FILE: interopRegistrationsFile(data), FHIR_BUNDLE: interopFhirBundle(data) } }),
  });

  it('launches from the PGO, redeems the code in the browser and reads the Task', async () => {
    const page = await suite.newBrowser();
    await collectTasks(suite.stack, page);
    await page.getByTestId(`start-module-task-${CLIENT_ID}`).click();
    await page.getByTestId('fhirclient-task').or(page.getByTestId('fhirclient-error')).waitFor();
    expect(new URL(page.url()).origin).toBe(app.url);
    // without CORS fhirclient cannot read the smart-configuration and shows `fhirclient-error`
    const error = page.getByTestId('fhirclient-error');
    expect((await error.count()) > 0 ? await error.textContent() : undefined).toBeUndefined();
    expect(await textOf(page, 'fhirclient-task')).toBe(`task-${CLIENT_ID}`);
  });
});
