// The attack, tryable (README "Try the attack"; docs/option-3a.md "What stops a stolen launch URL"):
// with the demo's pause (DEMO_PAUSE_LAUNCH for everyone, or the dossier's toggle for one browser)
// the PGO stops before W9 and shows the launch URL; a second browser replays it and every page on
// the way says why it refuses.
import { describe, expect, it } from 'vitest';
import { chromiumOrSkip } from '../support/chromium.ts';
import { browserSuite } from './fixture.ts';
import { KOOS, collectTasks, digidLogin, originOf, screenshotAs, textOf } from './steps.ts';

const executablePath = chromiumOrSkip('test/browser/attack');
const screenshot = screenshotAs('attack-');

describe.skipIf(executablePath === undefined)('the attack, tryable (the demo\'s pause)', () => {
  const suite = browserSuite(executablePath, { failed: 'attack-failed', stack: () => ({ env: { DEMO_TRACE: 'true' } }) });

  it('pauses before the module, and the copied URL is refused in another browser with the reason on every page', async () => {
    const owner = await suite.newBrowser();
    await collectTasks(suite.stack, owner);
    expect(await textOf(owner, 'demo-pause-state')).toBe('uit');
    await owner.getByTestId('demo-pause-toggle').click();
    await owner.getByTestId('demo-pause-state').waitFor();
    expect(await textOf(owner, 'demo-pause-state')).toBe('aan');
    await owner.getByTestId('start-module-task-3a').click();
    await owner.getByTestId('pause-launch-url').waitFor();
    expect(originOf(owner.url())).toBe(suite.stack.urls.pgo);
    await owner.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: suite.stack.urls.pgo });
    await owner.getByTestId('pause-copy').click();
    await expect.poll(() => textOf(owner, 'pause-copy')).toBe('Gekopieerd');
    const launchUrl = String(await owner.evaluate('navigator.clipboard.readText()'));
    expect(launchUrl).toBe(await owner.getByTestId('pause-launch-url').inputValue());
    expect(new URL(launchUrl).searchParams.get('launch')).toBeTruthy();
    await screenshot(owner, '1-pause');

    const thief = await suite.newBrowser();
    await thief.goto(launchUrl);
    // no launch cookie in this browser: the DVA asks for DigiD and says why
    await thief.getByTestId('digid-reason').waitFor();
    expect(await textOf(thief, 'digid-reason')).toContain('geen startcookie');
    await screenshot(thief, '2-digid-says-why');
    await digidLogin(suite.stack, thief, KOOS);
    await thief.getByTestId('module-error').waitFor();
    await screenshot(thief, '3-another-person');
    expect(await textOf(thief, 'module-error-code')).toBe('access_denied');
    expect(await textOf(thief, 'module-error-message')).toContain('iemand anders');
    expect(await thief.getByTestId('module-error-home').getAttribute('href')).toBe(suite.stack.urls.pgo);

    // docs/decisions-protocol.md D8: the thief burned the code; the owner's Continue now finds it used
    await owner.getByTestId('pause-continue').click();
    await owner.getByTestId('module-error').waitFor();
    await screenshot(owner, '4-already-used');
    expect(await textOf(owner, 'module-error-code')).toBe('invalid_request');
    expect(await textOf(owner, 'module-error-message')).toContain('al gebruikt');

    // "wat er net gebeurde" (docs/decisions.md I139): the thief's replay is part of the owner's launch
    await owner.getByTestId('module-trace-link').click();
    await owner.getByTestId('trace-diagram').waitFor();
    await screenshot(owner, '5-trace');
    const text = await owner.locator('main').textContent();
    expect(text).toContain('DigiD');
    expect(text).toContain('audit launch.browser-check-failed failure');
    expect(text).toContain('audit launch.identity-mismatch failure');
  });
});
