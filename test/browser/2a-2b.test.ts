// Options 2a and 2b in a real browser (docs/protocol.md §3.3, §3.4; docs/option-2a-2b.md): Debian's Chromium
// walks the PGO, DigiD, the DVA's collect, the PGO as authorization server and the module, with
// real cookies and redirects. The option is the module's registration, nothing else.
// Screenshots land in test-output/screenshots/2a-*.png and 2b-*.png.
import { describe, expect, it } from 'vitest';
import { chromiumOrSkip } from '../support/chromium.ts';
import { browserSuite } from './fixture.ts';
import { captureLaunchUrl, collectTasks, expectTaskCompleted, includesModuleApp, originOf, screenshotAs, shown, submitBloodPressure, textOf } from './steps.ts';

const executablePath = chromiumOrSkip('test/browser/2a-2b');
const shot = screenshotAs('');

describe.skipIf(executablePath === undefined)('options 2a and 2b in Chromium', () => {
  const suite = browserSuite(executablePath, { failed: '2ab-failed' });
  const { newBrowser } = suite;

  // First, because the happy path completes task-2a.
  it('refuses a stolen 2a launch URL in another browser: no PGO session there; the token is then burned for Tom too (D8)', async () => {
    const owner = await newBrowser();
    await collectTasks(suite.stack, owner);
    const launchUrl = await captureLaunchUrl(suite.stack, owner, 'task-2a');
    expect(new URL(launchUrl).searchParams.get('iss')).toBe(`${suite.stack.urls.pgo}/fhir`);

    const thief = await newBrowser();
    await thief.goto(launchUrl);
    await thief.getByTestId('module-error').waitFor();
    await shot(thief, '2a-stolen-1-thief-refused');
    // docs/protocol.md §3.3 step 7: the PGO's /authorize finds no PGO session with this launch; no login is offered
    expect(await textOf(thief, 'module-error-code')).toBe('access_denied');
    expect(shown(thief).map(originOf)).toEqual([suite.stack.urls.module]);
    expect(includesModuleApp(shown(thief))).toBe(false);

    const seen = shown(owner).length;
    await owner.goto(launchUrl);
    await owner.getByTestId('module-error').waitFor();
    await shot(owner, '2a-stolen-2-owner-token-burned');
    expect(await textOf(owner, 'module-error-code')).toBe('invalid_request');
    expect(includesModuleApp(shown(owner).slice(seen))).toBe(false);
  });

  for (const option of ['2a', '2b'] as const) {
    it(`runs option ${option}: start at the PGO, the module without any login or consent, back with the Task completed`, async () => {
      const task = `task-${option}`;
      const page = await newBrowser();
      await collectTasks(suite.stack, page);
      const start = page.getByTestId(`start-module-${task}`);
      expect(await start.getAttribute('data-launch-option')).toBe(option);
      await shot(page, `${option}-01-dossier`);

      await start.click();
      // steps 4–12: the module, the PGO's /authorize (its own session), the PGO's /token, and the DVA, all by redirect
      await page.getByTestId('module-patient-name').waitFor();
      expect(originOf(page.url())).toBe(suite.stack.urls.module);
      expect(await textOf(page, 'module-patient-name')).toContain('van Duinen');
      expect(await textOf(page, 'module-task-id')).toBe(task);
      // the person saw the PGO, then the module: no DVA page, no DigiD (docs/protocol.md §3.6: one login with long consent)
      expect(shown(page).slice(-2).map(originOf)).toEqual([suite.stack.urls.pgo, suite.stack.urls.module]);
      await submitBloodPressure(page, '131', '86', () => shot(page, `${option}-02-module-form`));

      await expectTaskCompleted(page, task);
      expect(originOf(page.url())).toBe(suite.stack.urls.pgo);
      await shot(page, `${option}-03-dossier-task-completed`);

      // the DVA audited the delegation with its actor chain (docs/security-checklists.md §2 (14))
      const delegation = (await suite.stack.dvaAuth.dva.audit.recent(20)).find((e) => e.type === 'token-exchange.delegation' && e.audience === `module-${option}`);
      expect(delegation?.act).toEqual([`module-${option}`, 'pgo-demo']);
    });
  }
});
