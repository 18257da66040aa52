/**
 * Variant 3a-P (docs/protocol.md §3.1.2): the launch code by a pure back-channel token exchange, no PAR and
 * no cookie, so the DVA identifies the person with DigiD at the module's `/authorize` (step 8);
 * and the 2025 step-up (step 3; docs/protocol.md §8 item 10). Real PGO, module and DVA.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { GRANT_TYPE_TOKEN_EXCHANGE, TOKEN_TYPE } from '@koppelmij/core';
import { Browser, hasTestId, textOf, type Page } from '../support/browser.ts';
import { collect, loginAtPgo } from '../support/flows.ts';
import { MODULE, TOM, collectToken, parParams, pkce, post, startProtocolStack, travel, type ProtocolStack } from '../support/protocol.ts';

/** Step 2 as the PGO sends it (with the `subject_token_type` RFC 8693 §2.1 requires, unless dropped). */
const backchannel = (subjectToken: string, overrides: Record<string, string | undefined> = {}) =>
  Object.fromEntries(
    Object.entries({
      grant_type: GRANT_TYPE_TOKEN_EXCHANGE,
      subject_token: subjectToken,
      subject_token_type: TOKEN_TYPE.ACCESS_TOKEN,
      requested_token_type: TOKEN_TYPE.LAUNCH_CODE,
      audience: MODULE,
      resource: 'Task/task-3a',
      ...overrides,
    }).filter((e): e is [string, string] => e[1] !== undefined),
  );
const throughConsent = async (browser: Browser, page: Page) => (hasTestId(page, 'consent-approve') ? browser.submit(page, 'consent-approve') : page);
const atDigidLogin = (t: ProtocolStack, page: Page) => new URL(page.url).origin === t.urls.digid && hasTestId(page, 'digid-login');

afterEach(() => vi.useRealTimers());

describe('3a-P: LAUNCH_PREP_MODES=backchannel', () => {
  let t: ProtocolStack;
  beforeAll(async () => {
    t = await startProtocolStack({ serviceEnv: { dvaAuth: { LAUNCH_PREP_MODES: 'backchannel' }, pgo: { LAUNCH_PREP_MODE: 'backchannel' } } });
  });
  afterAll(() => t?.close());

  it('issues a launch code to a direct exchange, also without subject_token_type (docs/protocol.md §3.1.2 step 2)', async () => {
    const { access_token } = await collectToken(t, TOM);
    const answer = await post(t, '/token', backchannel(access_token, { subject_token_type: undefined }));
    expect(answer).toMatchObject({ status: 200, body: { issued_token_type: TOKEN_TYPE.LAUNCH_CODE, token_type: 'N_A', expires_in: 180 } });
  });

  it('refuses the PAR launch preparation, which is not enabled (unauthorized_client)', async () => {
    const { access_token } = await collectToken(t, TOM);
    expect(await post(t, '/par', parParams(t, access_token, pkce().challenge))).toMatchObject({ status: 400, body: { error: 'unauthorized_client' } });
  });

  it('launches the module from the PGO without PAR; the DVA asks DigiD who the person is (step 8)', async () => {
    const browser = new Browser();
    const tasks = await collect(t, browser, await loginAtPgo(t, browser, TOM), TOM);
    const w9 = await browser.submit(tasks, 'start-module-task-3a', {}, { stopAt: (url) => url.origin === t.urls.module });
    expect(w9.hops.some((hop) => hop.includes('request_uri='))).toBe(false);
    expect(browser.cookieNames(new URL(t.urls.dvaAuth).hostname)).not.toContain('__Host-dva_launch_auth');

    const digid = await browser.navigate(w9.url);
    expect(atDigidLogin(t, digid)).toBe(true);
    const app = await throughConsent(browser, await browser.submit(digid, 'digid-login', { bsn: TOM }));
    expect(textOf(app, 'module-task-id')).toBe('task-3a');
  });
});

describe('3a-P with step-up: LAUNCH_PREP_MODES=backchannel+stepup, STEP_UP_MAX_AGE=60', () => {
  let t: ProtocolStack;
  beforeAll(async () => {
    t = await startProtocolStack({
      serviceEnv: { dvaAuth: { LAUNCH_PREP_MODES: 'backchannel+stepup', STEP_UP_MAX_AGE: '60' }, pgo: { LAUNCH_PREP_MODE: 'backchannel+stepup' } },
    });
  });
  afterAll(() => t?.close());

  it('answers step_up_required when the DigiD login is older than the maximum age, and issues nothing (docs/protocol.md §8 item 10)', async () => {
    const { access_token } = await collectToken(t, TOM);
    travel(61);
    const answer = await post(t, '/token', backchannel(access_token));
    expect(answer).toMatchObject({ status: 400, body: { error: 'step_up_required', error_description: expect.any(String) } });
    expect(answer.body).not.toHaveProperty('access_token');
  });

  it('lets the PGO recover: a fresh DigiD login at the DVA, a new collect token, the exchange again', async () => {
    const browser = new Browser();
    const tasks = await collect(t, browser, await loginAtPgo(t, browser, TOM), TOM);
    travel(61);
    const stepUp = await browser.submit(tasks, 'start-module-task-3a');
    expect(atDigidLogin(t, stepUp)).toBe(true); // the PGO's /authorize with prompt=login (docs/protocol.md §3.1.2 step 3)
    const w9 = await browser.submit(stepUp, 'digid-login', { bsn: TOM }, { stopAt: (url) => url.origin === t.urls.module });
    expect(w9.hops.some((hop) => hop.startsWith(`${t.urls.pgo}/callback_stepup?`))).toBe(true);
    expect(new URL(w9.url).searchParams.has('launch')).toBe(true);

    const digid = await browser.navigate(w9.url); // 3a-P has no cookie: DigiD once more, at the module's /authorize
    const app = await throughConsent(browser, await browser.submit(digid, 'digid-login', { bsn: TOM }));
    expect(textOf(app, 'module-task-id')).toBe('task-3a');
  });
});
