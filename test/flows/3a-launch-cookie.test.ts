/**
 * The Module DVA Authentication cookie itself (docs/protocol.md §3.1.1 W4, W13; docs/decisions-protocol.md D7): its value is
 * the DVA's, never the browser's (docs/decisions.md I45), and one browser may prepare several
 * launches at once (docs/decisions.md I46).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomToken } from '@koppelmij/core';
import { Browser } from '../support/browser.ts';
import { KOOS, MODULE, MODULE_SECRET, TOM, collectToken, launchCode, moduleAuthorize, parAuthorizeUrl, parParams, pkce, post, startProtocolStack, type ProtocolStack } from '../support/protocol.ts';

const COOKIE = '__Host-dva_launch_auth';

let t: ProtocolStack;
let tom: string;
beforeAll(async () => {
  t = await startProtocolStack();
  tom = (await collectToken(t, TOM)).access_token;
});
afterAll(() => t?.close());

const dvaHost = () => new URL(t.urls.dvaAuth).hostname;
const lastAudit = async (type: string) => (await t.dvaAuth.dva.audit.recent(10)).find((e) => e.type === type);
const atDigidLogin = (url: string) => new URL(url).origin === t.urls.digid; // moduleAuthorize stops on the way to DigiD

describe('cookie fixation (docs/decisions.md I45)', () => {
  it('sets the cookie with __Host-, Path=/, Secure, HttpOnly, SameSite=Lax (RFC 6265bis §4.1.3.2)', async () => {
    const { challenge } = pkce();
    const pushed = await post(t, '/par', parParams(t, tom, challenge));
    const interaction = await new Browser().navigate(parAuthorizeUrl(t, pushed.body.request_uri), { stopAt: (u) => u.pathname.startsWith('/authorize/') });
    const line = [interaction.headers['set-cookie'] ?? []].flat().find((c) => c.startsWith(`${COOKIE}=`));
    expect(line).toMatch(/^__Host-dva_launch_auth=[A-Za-z0-9_-]{43}; Max-Age=180; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
  });

  it('never adopts a value planted before the launch: the planter gets no code with it', async () => {
    const planted = randomToken();
    const victim = new Browser();
    victim.plantCookie(t.urls.dvaAuth, COOKIE, planted);
    const launch = await launchCode(t, victim, tom);
    expect(victim.cookieValue(dvaHost(), COOKIE)).not.toBe(planted);

    const thief = new Browser();
    thief.plantCookie(t.urls.dvaAuth, COOKIE, planted);
    const stolen = await moduleAuthorize(t, thief, launch);
    expect(stolen.code).toBeUndefined();
    expect(atDigidLogin(stolen.page.url)).toBe(true); // docs/decisions-protocol.md D7: no cookie of this launch, so DigiD
    expect(await lastAudit('launch.browser-check-failed')).toMatchObject({ client_id: MODULE, outcome: 'failure', reason: 'launch cookie absent' });
  });

  it('never adopts a value the DVA minted for the planter\'s own launch either', async () => {
    const koos = (await collectToken(t, KOOS)).access_token;
    const attacker = new Browser();
    await launchCode(t, attacker, koos, { task: 'task-de-groot' });
    const planted = attacker.cookieValue(dvaHost(), COOKIE)!; // live at the DVA, bound to Koos's launch

    const victim = new Browser();
    victim.plantCookie(t.urls.dvaAuth, COOKIE, planted);
    const launch = await launchCode(t, victim, tom);
    expect(victim.cookieValue(dvaHost(), COOKIE)).not.toBe(planted);

    const stolen = await moduleAuthorize(t, attacker, launch);
    expect(stolen.code).toBeUndefined();
    expect(atDigidLogin(stolen.page.url)).toBe(true);
    expect(await lastAudit('launch.browser-check-failed')).toMatchObject({ client_id: MODULE, outcome: 'failure', reason: 'launch cookie other' });
  });
});

describe('two launches prepared in one browser (docs/decisions.md I46)', () => {
  it('completes both, the second prepared first', async () => {
    const browser = new Browser();
    const first = await launchCode(t, browser, tom);
    const second = await launchCode(t, browser, tom);
    expect((await moduleAuthorize(t, browser, second)).code).toBeTruthy();
    expect((await moduleAuthorize(t, browser, first)).code).toBeTruthy();
  });

  it('completes both in the order prepared, also for two modules', async () => {
    const browser = new Browser();
    const first = await launchCode(t, browser, tom);
    const second = await launchCode(t, browser, tom, { audience: MODULE_SECRET, task: 'task-3a-secret' });
    expect((await moduleAuthorize(t, browser, first)).code).toBeTruthy();
    expect((await moduleAuthorize(t, browser, second, { clientId: MODULE_SECRET })).code).toBeTruthy();
  });

  it('still binds each to this browser: another browser with its own launch cookie gets neither', async () => {
    const browser = new Browser();
    const first = await launchCode(t, browser, tom);
    await launchCode(t, browser, tom);
    const other = new Browser();
    await launchCode(t, other, tom);
    const stolen = await moduleAuthorize(t, other, first);
    expect(stolen.code).toBeUndefined();
    expect(atDigidLogin(stolen.page.url)).toBe(true);
  });
});
