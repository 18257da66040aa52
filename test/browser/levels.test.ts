// The integration levels of docs/protocol.md §5 in a real browser (docs/integration-levels.md): one module per
// level, from the PGO's dossier page (PS: the PGO's own authorization server and FHIR facade). T (the Task launch) runs in 3a.test.ts, option-1.test.ts and
// option-3b.test.ts. Screenshots land in test-output/screenshots/3a-levels-*.png.
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { chromiumOrSkip } from '../support/chromium.ts';
import { browserSuite } from './fixture.ts';
import { TOM, approveAtDva, collectTasks, digidLogin, originOf, screenshot, shown, submitBloodPressure, textOf } from './steps.ts';

const executablePath = chromiumOrSkip('test/browser/levels');

describe.skipIf(executablePath === undefined)('the integration levels in Chromium', () => {
  const suite = browserSuite(executablePath, { failed: '3a-levels-failed' });
  let page: Page;

  beforeAll(async () => {
    page = await suite.newBrowser('suite');
    await collectTasks(suite.stack, page);
  });

  const dossier = async () => {
    await page.goto(`${suite.stack.urls.pgo}/dossier/${TOM}`);
    await page.getByTestId('collect').waitFor();
  };

  it('shows the level of every module on the dossier page', async () => {
    await dossier();
    await screenshot(page, 'levels-1-dossier');
    for (const [id, level] of [['task-3a', 'T'], ['task-tl', 'TL'], ['thuisarts-hoge-bloeddruk', 'L'], ['module-s', 'S'], ['module-ps', 'PS']]) {
      expect(await textOf(page, `module-level-${id}`), id).toBe(level);
    }
  });

  it('L: opens a plain link', async () => {
    await dossier();
    await page.getByTestId('open-link-thuisarts-hoge-bloeddruk').click();
    await page.getByTestId('info-title').waitFor();
    expect(page.url()).toBe(`${suite.stack.urls.module}/info/hoge-bloeddruk`);
  });

  it('TL: opens the Task\'s Endpoint.address without launch or data', async () => {
    await dossier();
    const seen = shown(page).length;
    await page.getByTestId('open-link-task-tl').click();
    await page.getByTestId('info-title').waitFor();
    expect(await textOf(page, 'info-title')).toBe('Leven met diabetes');
    expect(page.url()).toBe(`${suite.stack.urls.module}/info/leven-met-diabetes`);
    expect(shown(page).slice(seen).map(originOf)).not.toContain(suite.stack.urls.dvaAuth);
    await screenshot(page, 'levels-2-task-link');
  });

  it('S: a standalone launch with DigiD and explicit consent at the DVA, then the module with the person\'s data', async () => {
    await dossier();
    await page.getByTestId('start-standalone-module-s').click();
    await digidLogin(suite.stack, page, TOM, 'levels-3-standalone-digid');
    await approveAtDva(suite.stack, page, { module: 'Bloeddruk doorgeven (op eigen initiatief)', shot: () => screenshot(page, 'levels-4-standalone-consent') });
    await page.getByTestId('module-patient-name').waitFor();
    expect(await textOf(page, 'module-patient-name')).toContain('van Duinen');
    expect(await page.getByTestId('module-standalone').count()).toBe(1);
    expect(await page.getByTestId('module-task-id').count()).toBe(0);
    await submitBloodPressure(page, '120', '79');
    await page.getByTestId('module-done').waitFor();
    await screenshot(page, 'levels-5-standalone-done');
  });

  it('PS: the PGO launches its own module, which stores a result in the dossier without the DVA', async () => {
    await dossier();
    const seen = shown(page).length;
    await page.getByTestId('start-ps-module-ps').click();
    await page.getByTestId('module-patient-name').waitFor();
    expect(await textOf(page, 'module-patient-name')).toContain('van Duinen');
    expect(await page.getByTestId('module-task-id').count()).toBe(0);
    await screenshot(page, 'levels-6-pgo-domain-module');
    await submitBloodPressure(page, '128', '82');
    await page.getByTestId('module-done').waitFor();
    expect(shown(page).slice(seen).map(originOf)).not.toContain(suite.stack.urls.dvaAuth);
    await dossier();
    expect(await textOf(page, 'ps-results-module-ps')).toContain('128 / 82 mmHg');
    await screenshot(page, 'levels-7-pgo-domain-result');
  });
});
