/**
 * "Who viewed my record, for whom" (docs/decisions.md I93): the DVA records each access and launch
 * as an AuditEvent; the PGO shows the dossier's, read with its collect token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, hasTestId, type Page } from '../support/browser.ts';
import { collect, loginAtPgo } from '../support/flows.ts';
import { TOM, startProtocolStack, type ProtocolStack } from '../support/protocol.ts';

let t: ProtocolStack;
let browser: Browser;
beforeAll(async () => {
  t = await startProtocolStack();
  browser = new Browser();
});
afterAll(() => t?.close());

const cells = (page: Page, testid: string) => [...page.body.matchAll(new RegExp(`data-testid="${testid}">([^<]*)<`, 'g'))].map((m) => m[1]);

describe('the PGO\'s access log', () => {
  it('lists the PGO\'s collect and the module\'s launch and reads, newest first, without a BSN', async () => {
    const dossier = await collect(t, browser, await loginAtPgo(t, browser, TOM), TOM);
    expect(hasTestId(dossier, 'access-log-link')).toBe(true);
    const launched = await browser.submit(dossier, 'start-module-task-3a');
    if (hasTestId(launched, 'consent-approve')) await browser.submit(launched, 'consent-approve');

    const log = await browser.navigate(`${t.urls.pgo}/dossier/${TOM}/access-log`);
    expect(log.status).toBe(200);
    const who = cells(log, 'access-who');
    expect(who).toContain('this PGO');
    expect(who).toContain('Bloeddruk meten (optie 3a)');
    expect(log.body).toContain('launch Task/task-3a');
    expect(log.body).toContain('search-type Task');
    const table = log.body.slice(log.body.indexOf('data-testid="access-log"'));
    expect(table).not.toMatch(/\b\d{9}\b/); // the dossier's URL carries its BSN; the DVA's log never does
  });

  it('is only for a dossier the session may open', async () => {
    const page = await new Browser().navigate(`${t.urls.pgo}/dossier/${TOM}/access-log`);
    expect(page.status).toBe(403);
  });
});
