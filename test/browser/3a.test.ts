// Option 3a-W in a real browser (docs/protocol.md §3.1.1 W1–W17): Debian's Chromium walks the PGO, DigiD, the
// DVA and the module as a person would, with real cookies, redirects and form posts.
// Screenshots of every major step land in test-output/screenshots/3a-*.png.
import { describe, expect, it } from 'vitest';
import { chromiumOrSkip } from '../support/chromium.ts';
import { browserSuite } from './fixture.ts';
import {
  KOOS,
  approveAtDva,
  captureLaunchUrl,
  collectTasks,
  completeModule,
  digidLogin,
  expectTaskCompleted,
  includesModuleApp,
  originOf,
  screenshot,
  shown,
  submitBloodPressure,
  textOf,
} from './steps.ts';

const executablePath = chromiumOrSkip('test/browser/3a');

describe.skipIf(executablePath === undefined)('option 3a in Chromium', () => {
  const suite = browserSuite(executablePath, { failed: '3a-failed' });
  const { newBrowser } = suite;

  /** The DVA's audit events `action` caused, oldest first (docs/security-checklists.md §2 (14)). */
  async function auditOf(action: () => Promise<void>): Promise<string[]> {
    const before = (await suite.stack.dvaAuth.dva.audit.recent(1000)).length;
    await action();
    const after = await suite.stack.dvaAuth.dva.audit.recent(1000);
    return after
      .slice(0, after.length - before)
      .reverse()
      .map((event) => `${event.type} ${event.outcome}`);
  }

  // Order matters only in one way: the happy path completes task-3a, so the stolen-URL tests that
  // use task-3a run first (they never complete it and never grant Tom's consent for module-3a).
  describe('a stolen launch URL', () => {
    it('sends the thief to DigiD and refuses Koos; the code is then burned for Tom too (D7, D8)', async () => {
      const owner = await newBrowser();
      await collectTasks(suite.stack, owner);
      const launchUrl = await captureLaunchUrl(suite.stack, owner, 'task-3a');
      expect(new URL(launchUrl).searchParams.get('launch')).toBeTruthy();
      expect(includesModuleApp(shown(owner))).toBe(false);

      const thief = await newBrowser();
      const audit = await auditOf(async () => {
        await thief.goto(launchUrl);
        // no DVA cookie in this browser (docs/protocol.md §3.1.1 W13): DigiD, where the thief logs in as himself
        await digidLogin(suite.stack, thief, KOOS, 'stolen-1-thief-at-digid');
        await thief.getByTestId('module-error').waitFor();
      });
      await screenshot(thief, 'stolen-2-thief-refused');
      expect(await textOf(thief, 'module-error-code')).toBe('access_denied');
      // what the thief saw: DigiD's login, then the module's error page; never a DVA page or the app
      expect(shown(thief).map(originOf)).toEqual([suite.stack.urls.digid, suite.stack.urls.module]);
      expect(includesModuleApp(shown(thief))).toBe(false);
      expect(await thief.getByTestId('module-patient-name').count()).toBe(0);
      // the code is redeemed (so burned) first, then fails the browser check and the identity check
      expect(audit).toEqual(['launch.redeemed success', 'launch.browser-check-failed failure', 'launch.identity-mismatch failure']);

      // docs/decisions-protocol.md D8: the thief burned the code, so Tom's own browser cannot use it any more
      const seen = shown(owner).length;
      await owner.goto(launchUrl);
      await owner.getByTestId('module-error').waitFor();
      await screenshot(owner, 'stolen-3-owner-code-burned');
      expect(await textOf(owner, 'module-error-code')).toBe('invalid_request');
      expect(shown(owner).slice(seen).map(originOf)).toEqual([suite.stack.urls.module]);
      expect(await owner.getByTestId('module-patient-name').count()).toBe(0);
    });

    it('refuses the thief a code Tom has already used', async () => {
      const owner = await newBrowser();
      await collectTasks(suite.stack, owner);
      const launchUrl = await captureLaunchUrl(suite.stack, owner, 'task-3a-secret');
      await owner.goto(launchUrl);
      await completeModule(suite.stack, owner);
      await expectTaskCompleted(owner, 'task-3a-secret');

      const thief = await newBrowser();
      await thief.goto(launchUrl);
      await thief.getByTestId('module-error').waitFor();
      await screenshot(thief, 'stolen-4-thief-code-used');
      // D12: the code was consumed by Tom's launch; the DVA refuses it before anyone logs in
      expect(await textOf(thief, 'module-error-code')).toBe('invalid_request');
      expect(shown(thief).map(originOf)).toEqual([suite.stack.urls.module]);
      expect(await thief.getByTestId('module-patient-name').count()).toBe(0);
    });
  });

  it('runs the happy path: collect, launch, module consent, form, back at the PGO with the Task completed', async () => {
    const page = await newBrowser();
    await collectTasks(suite.stack, page, true);
    await screenshot(page, '07-dossier-with-tasks');
    const start = page.getByTestId('start-module-task-3a');
    expect(await start.getAttribute('data-launch-option')).toBe('3a');

    await start.click();
    // W13: Tom's first launch of module-3a, so the DVA asks for consent
    await approveAtDva(suite.stack, page, { shot: () => screenshot(page, '08-dva-consent-module') });

    await page.getByTestId('module-patient-name').waitFor();
    expect(originOf(page.url())).toBe(suite.stack.urls.module);
    expect(await textOf(page, 'module-patient-name')).toContain('van Duinen');
    expect(await textOf(page, 'module-task-id')).toBe('task-3a');
    await submitBloodPressure(page, '128', '84', () => screenshot(page, '09-module-form'));

    // docs/protocol.md §4.5: back at the PGO's dossier, which shows the Task as the DVA now has it
    await expectTaskCompleted(page, 'task-3a');
    expect(originOf(page.url())).toBe(suite.stack.urls.pgo);
    await screenshot(page, '10-dossier-task-completed');
  });
});
