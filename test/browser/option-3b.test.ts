// Option 3b in a real browser (docs/protocol.md §3.5; docs/option-3b.md): Debian's Chromium walks the PGO, DigiD,
// the DVA's /launch-module and the module with real cookies, by GET redirect and by form POST.
// A cross-site form POST carries no SameSite=Lax cookie; the DVA's 303 to a GET makes the session
// cookie arrive. Screenshots land in test-output/screenshots/3a-option3b-*.png.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { chromiumOrSkip } from '../support/chromium.ts';
import { captureRequest, replay } from './capture.ts';
import { browserSuite } from './fixture.ts';
import {
  KOOS,
  approveAtDva,
  collectTasks,
  digidLogin,
  expectTaskCompleted,
  includesModuleApp,
  originOf,
  screenshot,
  shown,
  submitBloodPressure,
  textOf,
} from './steps.ts';

const executablePath = chromiumOrSkip('test/browser/option-3b');

for (const mode of ['302', 'form_post'] as const) {
  describe.skipIf(executablePath === undefined)(`option 3b in Chromium (LAUNCH_REDIRECT=${mode})`, () => {
    const suite = browserSuite(executablePath, { failed: `3a-option3b-${mode}-failed`, stack: () => ({ serviceEnv: { pgo: { LAUNCH_REDIRECT: mode } } }) });
    const { newBrowser } = suite;

    const dvaCookies = async (page: Page) => (await page.context().cookies()).filter((c) => c.domain === new URL(suite.stack.urls.dvaAuth).hostname);

    // First, because the happy path completes task-3b.
    it('refuses the launch request replayed in another browser: DigiD, Koos refused; the owner\'s request is then used up', async () => {
      const owner = await newBrowser();
      await collectTasks(suite.stack, owner);
      // step 4 (the GET, or the form POST), caught before it leaves the owner's browser
      const step4 = await captureRequest(owner, `${suite.stack.urls.dvaAuth}/launch-module*`, () => owner.getByTestId('start-module-task-3b').click());
      expect(step4.method).toBe(mode === '302' ? 'GET' : 'POST');

      const thief = await replay(await newBrowser(), step4);
      await digidLogin(suite.stack, thief, KOOS, `option3b-${mode}-stolen-1-thief-at-digid`);
      await thief.getByTestId('dva-error').waitFor();
      await screenshot(thief, `option3b-${mode}-stolen-2-thief-refused`);
      expect(originOf(thief.url())).toBe(suite.stack.urls.dvaAuth);
      expect(shown(thief).some((url) => originOf(url) === suite.stack.urls.module)).toBe(false);
      const refused = (await suite.stack.dvaAuth.dva.audit.recent(5)).find((e) => e.type === 'launch-module.refused');
      expect(refused).toMatchObject({ reason: 'session person differs from the context patient', audience: 'module-3b', resources: ['Task/task-3b'] });

      const again = await replay(owner, step4);
      await again.getByTestId('dva-error').waitFor();
      expect(originOf(again.url())).toBe(suite.stack.urls.dvaAuth);
      expect(includesModuleApp(shown(owner))).toBe(false);
      expect((await suite.stack.dvaAuth.dva.audit.recent(5)).find((e) => e.type === 'launch-module.refused')).toMatchObject({ reason: 'context already used' });
    });

    it('runs the happy path: the DVA\'s SSO session from the collect, no DigiD, the module\'s consent, back with the Task completed', async () => {
      const page = await newBrowser();
      await collectTasks(suite.stack, page);
      // docs/protocol.md §3.5 step 2; docs/option-3b.md: HttpOnly, SameSite=Lax, Path=/launch-module, SSO_SESSION_TTL (4 h)
      const sso = (await dvaCookies(page)).find((c) => c.name === 'dva_sso');
      expect(sso).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/launch-module' });
      expect(sso!.expires - Date.now() / 1000).toBeGreaterThan(14_000);

      const start = page.getByTestId('start-module-task-3b');
      expect(await start.getAttribute('data-launch-option')).toBe('3b');
      const seen = shown(page).length;
      await start.click();
      // module-3b's `first-time` consent, at the DVA (step 9)
      await approveAtDva(suite.stack, page, { shot: () => screenshot(page, `option3b-${mode}-1-dva-consent`) });
      await page.getByTestId('module-patient-name').waitFor();
      expect(await textOf(page, 'module-task-id')).toBe('task-3b');
      // no DigiD on the way; with form_post the PGO's auto-submitting page is shown first
      const origins = shown(page).slice(seen).map(originOf);
      expect(origins).not.toContain(suite.stack.urls.digid);
      expect(origins.slice(-2)).toEqual([suite.stack.urls.dvaAuth, suite.stack.urls.module]);
      await submitBloodPressure(page, '125', '80');
      await expectTaskCompleted(page, 'task-3b');
      await screenshot(page, `option3b-${mode}-2-task-completed`);
      expect((await suite.stack.dvaAuth.dva.audit.recent(50)).some((e) => e.type === 'launch-module.issued' && e.outcome === 'success')).toBe(true);
    });
  });
}
