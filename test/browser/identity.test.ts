// docs/identity-check-reference.md scenarios 1 and 2 in a real browser: Anna van der Berg, who represents Sanne van
// Dijk, collects into Sanne's dossier, once choosing Sanne at DigiD (the happy path) and once
// choosing Pieter ter Horst (the wrong-person path). Screenshots in test-output/screenshots/identity-*.png.
import type { Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { chromiumOrSkip } from '../support/chromium.ts';
import { ANNA, PIETER, PIETER_TRACES, RecordingStore, SANNE } from '../support/identity.ts';
import { browserSuite } from './fixture.ts';
import { approveIfAsked, digidLogin, loginAtPgo, originOf, screenshotAs, textOf } from './steps.ts';

const executablePath = chromiumOrSkip('test/browser/identity');

describe.skipIf(executablePath === undefined)('representation and the identity check in Chromium', () => {
  const pgoStore = new RecordingStore();
  const suite = browserSuite(executablePath, { failed: 'identity-failed', stack: () => ({ pgoStore }) });
  afterAll(() => pgoStore.close());

  const screenshot = screenshotAs('identity-');

  /** Anna logs in at the PGO as herself and opens Sanne's dossier; DigiD then asks for whom she acts. */
  async function annaInSannesDossier(shots: string): Promise<Page> {
    const page = await suite.newBrowser();
    await loginAtPgo(suite.stack, page, ANNA);
    await page.getByTestId('digid-represent-self').click();
    await page.getByTestId(`dossier-${SANNE}`).waitFor();
    await screenshot(page, `${shots}-1-pgo-home`);
    await page.getByTestId(`dossier-${SANNE}`).click();
    await page.getByTestId('collect').waitFor();
    expect(await textOf(page, 'dossier-on-behalf')).toContain('Sanne van Dijk');
    await page.getByTestId('collect').click();
    await digidLogin(suite.stack, page, ANNA);
    await page.getByTestId(`digid-represent-${SANNE}`).waitFor();
    await screenshot(page, `${shots}-2-digid-act-for`);
    return page;
  }

  it('scenario 1: Anna picks Sanne at DigiD; the check matches and Sanne\'s Task arrives', async () => {
    const page = await annaInSannesDossier('happy');
    await page.getByTestId(`digid-represent-${SANNE}`).click();
    await page.getByTestId('consent-approve').click();
    await page.getByTestId('task-task-van-dijk').waitFor();
    expect(originOf(page.url())).toBe(suite.stack.urls.pgo);
    expect(new URL(page.url()).pathname).toBe(`/dossier/${SANNE}`);
    await screenshot(page, 'happy-3-dossier-with-task');

    await page.getByTestId('start-module-task-van-dijk').click();
    await approveIfAsked(suite.stack, page);
    await page.getByTestId('module-on-behalf').waitFor();
    expect(await textOf(page, 'module-on-behalf')).toBe('U handelt namens Sanne van Dijk');
    await screenshot(page, 'happy-4-module-on-behalf');
  });

  it('scenario 2: Anna picks Pieter at DigiD; the PGO warns and keeps nothing of Pieter', async () => {
    const page = await annaInSannesDossier('wrong');
    await page.getByTestId(`digid-represent-${PIETER}`).click();
    await page.getByTestId('consent-approve').click();
    await page.getByTestId('identity-warning').waitFor();
    await screenshot(page, 'wrong-3-identity-warning');
    expect(originOf(page.url())).toBe(suite.stack.urls.pgo);
    const warning = (await page.getByTestId('identity-warning').innerText()).replace(/\s+/g, ' ');
    expect(warning).toContain('U opende het dossier van Sanne van Dijk, maar bij de zorgaanbieder (DigiD) logde u in voor iemand anders.');
    expect(warning).not.toContain('Pieter');
    expect(await pgoStore.tracesOf(suite.stack, PIETER_TRACES)).toEqual([]);
    const audit = await suite.stack.dvaAuth.dva.audit.recent(5);
    expect(audit.map((e) => `${e.type} ${e.outcome}`)).toContain('identity-check failure');

    // back to the dossier and again, now choosing Sanne
    await page.getByTestId('identity-warning-back').click();
    await page.getByTestId('collect').click();
    await digidLogin(suite.stack, page, ANNA);
    await page.getByTestId(`digid-represent-${SANNE}`).click();
    await page.getByTestId('consent-approve').click();
    await page.getByTestId('task-task-van-dijk').waitFor();
    await screenshot(page, 'wrong-4-then-right');
  });
});
