// Option 1 in a real browser (docs/protocol.md §3.2; docs/option-1.md): Debian's Chromium walks the PGO, DigiD,
// the DVA and the module with real cookies. The collect leaves the DVA's correlation cookie; a launch
// within its window needs no DigiD, only the consent for the module. Screenshots land in
// test-output/screenshots/3a-option1-*.png.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { chromiumOrSkip } from '../support/chromium.ts';
import { browserSuite } from './fixture.ts';
import {
  KOOS,
  TOM,
  approveAtDva,
  collectTasks,
  digidLogin,
  expectTaskCompleted,
  includesModuleApp,
  loginAtPgo,
  originOf,
  screenshot,
  shown,
  submitBloodPressure,
  textOf,
} from './steps.ts';
import { captureRequest } from './capture.ts';

const executablePath = chromiumOrSkip('test/browser/option-1');

describe.skipIf(executablePath === undefined)('option 1 in Chromium', () => {
  const suite = browserSuite(executablePath, { failed: '3a-option1-failed' });
  const { newBrowser } = suite;

  /** Every cookie the DVA set in this browser, whatever its path. */
  const dvaCookies = async (page: Page) => (await page.context().cookies()).filter((c) => c.domain === new URL(suite.stack.urls.dvaAuth).hostname);
  const moduleLaunch = () => `${suite.stack.urls.module}/m/module-1/launch*`;

  // First, because the happy path completes task-1.
  it('refuses a stolen module launch URL in another browser: DigiD, Koos refused, the code burned for Tom too (D7, D8)', async () => {
    const owner = await newBrowser();
    await collectTasks(suite.stack, owner);
    const { url: launchUrl } = await captureRequest(owner, moduleLaunch(), async () => {
      await owner.getByTestId('start-module-task-1').click();
      await owner.getByTestId('consent-approve').click(); // step 5, in the owner's browser
    });

    const thief = await newBrowser();
    await thief.goto(launchUrl);
    await digidLogin(suite.stack, thief, KOOS, 'option1-stolen-1-thief-at-digid');
    await thief.getByTestId('module-error').waitFor();
    expect(await textOf(thief, 'module-error-code')).toBe('access_denied');
    expect(includesModuleApp(shown(thief))).toBe(false);

    await owner.goto(launchUrl);
    await owner.getByTestId('module-error').waitFor();
    await screenshot(owner, 'option1-stolen-2-owner-code-burned');
    expect(await textOf(owner, 'module-error-code')).toBe('invalid_request');
  });

  it('asks DigiD in a browser without a correlation cookie (long-term consent), then the consent', async () => {
    const other = await newBrowser();
    await loginAtPgo(suite.stack, other, TOM);
    await other.getByTestId(`dossier-${TOM}`).click();
    await other.getByTestId('start-module-task-1').click(); // the dossier's tasks were collected by the other test
    await digidLogin(suite.stack, other, TOM, 'option1-long-term-1-digid');
    await other.getByTestId('consent-approve').waitFor();
    expect(originOf(other.url())).toBe(suite.stack.urls.dvaAuth);
    expect((await dvaCookies(other)).map((c) => c.name)).toContain('dva_correlation'); // step 5: the new DigiD login set a new one
  });

  it('runs the happy path: the collect\'s cookie, no DigiD, consent for module-1, the module, back with the Task completed', async () => {
    const page = await newBrowser();
    await collectTasks(suite.stack, page);
    // docs/protocol.md §3.2 step 2; docs/option-1.md: random value, HttpOnly, SameSite=Lax, Path=/interaction, CORRELATION_COOKIE_TTL
    const correlation = (await dvaCookies(page)).find((c) => c.name === 'dva_correlation');
    expect(correlation).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/interaction', secure: false });
    expect(correlation!.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(correlation!.expires - Date.now() / 1000).toBeGreaterThan(1700);
    expect(correlation!.expires - Date.now() / 1000).toBeLessThanOrEqual(1800);

    const start = page.getByTestId('start-module-task-1');
    expect(await start.getAttribute('data-launch-option')).toBe('1');
    expect(await textOf(page, 'module-level-task-1')).toBe('T');
    const seen = shown(page).length;
    await start.click();
    await approveAtDva(suite.stack, page, { module: 'Bloeddruk meten (optie 1)', shot: () => screenshot(page, 'option1-1-dva-consent') });

    await page.getByTestId('module-patient-name').waitFor();
    expect(await textOf(page, 'module-task-id')).toBe('task-1');
    // no DigiD and no second consent on the way (docs/protocol.md §3.2 steps 5, 9)
    expect(shown(page).slice(seen).map(originOf)).toEqual([suite.stack.urls.dvaAuth, suite.stack.urls.module]);
    await submitBloodPressure(page, '131', '82', () => screenshot(page, 'option1-2-module'));
    await expectTaskCompleted(page, 'task-1');
  });
});
