// One language, accessible pages (docs/decisions.md I141): every page of the 3a journey is Dutch
// (`lang="nl"`), has one <main> and one <h1>, and axe-core finds no serious or critical violation.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { chromiumOrSkip } from '../support/chromium.ts';
import { browserSuite } from './fixture.ts';
import { TOM, approveAtDva, digidLogin, expectTaskCompleted, submitBloodPressure } from './steps.ts';

const executablePath = chromiumOrSkip('test/browser/accessibility');
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface Violation {
  id: string;
  impact: string | null;
  nodes: string[];
}

/** axe-core on the page as it is now; the pages' CSP allows no injected script tag, so axe is evaluated. */
async function expectAccessible(page: Page, name: string): Promise<void> {
  await page.evaluate(AXE);
  const violations = (await page.evaluate(
    `axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) })))`,
  )) as Violation[];
  expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical'), `${name}: ${page.url()}`).toEqual([]);
  expect(await page.getAttribute('html', 'lang'), name).toBe('nl');
  expect(await page.locator('main').count(), name).toBe(1);
  expect(await page.locator('h1').count(), name).toBe(1);
}

describe.skipIf(executablePath === undefined)('accessible pages of the 3a journey', () => {
  const suite = browserSuite(executablePath, { failed: 'a11y-failed', stack: () => ({ env: { DEMO_TRACE: 'true' } }) });

  it('has no serious or critical axe violation, one language, a <main> and an <h1> on every page', async () => {
    const { stack } = suite;
    const page = await suite.newBrowser();
    await page.goto(stack.urls.pgo);
    await page.getByTestId('pgo-login').waitFor();
    await expectAccessible(page, 'PGO start');
    await page.getByTestId('pgo-login').click();
    await page.getByTestId(`digid-person-${TOM}`).waitFor();
    await expectAccessible(page, 'DigiD login');
    await digidLogin(stack, page, TOM);
    await page.getByTestId(`dossier-${TOM}`).waitFor();
    await expectAccessible(page, 'PGO dossiers');
    await page.getByTestId(`dossier-${TOM}`).click();
    await page.getByTestId('collect').waitFor();
    await expectAccessible(page, 'PGO empty dossier');
    await page.getByTestId('collect').click();
    await digidLogin(stack, page, TOM);
    await page.getByTestId('consent-approve').waitFor();
    await expectAccessible(page, 'DVA consent (collect)');
    await approveAtDva(stack, page);
    await page.getByTestId('task-task-3a').waitFor();
    await expectAccessible(page, 'PGO dossier with tasks');
    await page.getByTestId('start-module-task-3a').click();
    await page.getByTestId('consent-approve').waitFor();
    await expectAccessible(page, 'DVA consent (module)');
    await approveAtDva(stack, page);
    await page.getByTestId('module-patient-name').waitFor();
    await expectAccessible(page, 'module app');
    await submitBloodPressure(page, '128', '84');
    await expectTaskCompleted(page, 'task-3a');
    await expectAccessible(page, 'PGO dossier after the module');
    await page.getByTestId('demo-trace-link').click();
    await page.getByTestId('trace-diagram').waitFor();
    await expectAccessible(page, 'trace');
  });
});
