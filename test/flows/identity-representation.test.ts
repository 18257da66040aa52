// docs/identity-check-reference.md acceptance scenarios 1 and 2, in-process with the scripted browser: Anna van
// der Berg represents Sanne van Dijk (who has a PGO account) and Pieter ter Horst (who has none).
// Default switches: the PGO's identity-endpoint safeguard (4.4), the check mandatory under
// representation at the DVA.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../scripts/stack.ts';
import { Browser, textOf } from '../support/browser.ts';
import {
  ANNA, PIETER, PIETER_TRACES, RecordingStore, SANNE, auditOf, collectAs, digid, dvaClaims, hasTestId, openDossier, pageText, pgoLogin, subOf,
} from '../support/identity.ts';

describe('representation and the identity check (docs/identity-check-reference.md scenarios 1, 2)', () => {
  let stack: Stack;
  let pgoStore: RecordingStore;

  beforeAll(async () => {
    pgoStore = new RecordingStore();
    stack = await startStack({ ports: { pgo: 0, dvaAuth: 0, dvaFhir: 0, module: 0, digid: 0 }, pgoStore });
  });
  afterAll(async () => {
    await stack?.close();
    await pgoStore?.close();
  });

  it('shows Anna her own dossier and Sanne\'s, not Pieter\'s (he has no PGO account)', async () => {
    const home = await pgoLogin(stack, new Browser(), ANNA, 'self');
    expect(hasTestId(home, `dossier-${ANNA}`)).toBe(true);
    expect(hasTestId(home, `dossier-${SANNE}`)).toBe(true);
    expect(hasTestId(home, `dossier-${PIETER}`)).toBe(false);
  });

  it('scenario 1: Anna opens Sanne\'s dossier and picks Sanne at DigiD: match, data flows', async () => {
    const browser = new Browser();
    await pgoLogin(stack, browser, ANNA, 'self');
    const dossier = await openDossier(stack, browser, SANNE);
    expect(textOf(dossier, 'dossier-on-behalf')).toContain('Sanne van Dijk');

    let back!: Awaited<ReturnType<typeof collectAs>>;
    const audit = await auditOf(stack, async () => {
      back = await collectAs(stack, browser, dossier, ANNA, SANNE);
    });
    expect(back.url).toBe(`${stack.urls.pgo}/dossier/${SANNE}`);
    expect(hasTestId(back, 'task-task-van-dijk')).toBe(true);
    expect((await pgoStore.dossierData(SANNE))?.tasks.map((t) => t.id)).toEqual(['task-van-dijk']);
    // the DVA's check ran before the first data request, and its audit names the actor by pseudonym only
    const checks = audit.filter((e) => e.type === 'identity-check');
    expect(checks).toEqual([expect.objectContaining({ outcome: 'success', identity: 'match', sub: subOf(SANNE), act: [subOf(ANNA)], fields: ['birthDate', 'bsn', 'family', 'given'] })]);
    expect(JSON.stringify(checks)).not.toContain(SANNE);

    // the token: the represented person as patient, the representative as actor (RFC 8693 §4.1), never a BSN
    const claims = await dvaClaims(stack, await pgoStore.collectToken(SANNE));
    expect(claims).toMatchObject({ sub: subOf(SANNE), patient: 'pat-van-dijk', act: { sub: subOf(ANNA) }, representation: true });
    expect(JSON.stringify(claims)).not.toMatch(/99999\d{4}/);
  });

  it('scenario 1, launch: the module runs under the same split and says "on behalf of"', async () => {
    const browser = new Browser();
    await pgoLogin(stack, browser, ANNA, 'self');
    const tasks = await collectAs(stack, browser, await openDossier(stack, browser, SANNE), ANNA, SANNE);
    const consent = await browser.submit(tasks, 'start-module-task-van-dijk');
    const app = hasTestId(consent, 'consent-approve') ? await browser.submit(consent, 'consent-approve') : consent;
    expect(new URL(app.url).origin).toBe(stack.urls.module);
    expect(textOf(app, 'module-patient-name')).toContain('van Dijk');
    expect(textOf(app, 'module-on-behalf')).toBe('U handelt namens Sanne van Dijk');
    const done = await browser.submit(app, 'module-submit', { systolic: '130', diastolic: '85' });
    expect(done.url).toBe(`${stack.urls.pgo}/dossier/${SANNE}`);
    expect(textOf(done, 'task-status-task-van-dijk')).toBe('completed');
  });

  it('scenario 2: Anna opens Sanne\'s dossier and picks Pieter at DigiD: mismatch, nothing of Pieter is kept', async () => {
    const browser = new Browser();
    await pgoLogin(stack, browser, ANNA, 'self');
    const dossier = await openDossier(stack, browser, SANNE);
    const before = await pgoStore.dossierData(SANNE);

    let warning!: Awaited<ReturnType<typeof collectAs>>;
    const audit = await auditOf(stack, async () => {
      warning = await collectAs(stack, browser, dossier, ANNA, PIETER);
    });
    // the user sees why: whose dossier is open, and that the DVA login was for someone else
    expect(warning.status).toBe(409);
    expect(hasTestId(warning, 'identity-warning')).toBe(true);
    const text = pageText(warning);
    expect(text).toContain('U opende het dossier van Sanne van Dijk');
    expect(text).toContain('voor iemand anders');
    expect(text).not.toContain('Pieter');

    // not one FHIR resource of Pieter reached the PGO's store; Sanne's dossier is as it was
    expect(await pgoStore.tracesOf(stack, PIETER_TRACES)).toEqual([]);
    expect(await pgoStore.dossierData(SANNE)).toEqual(before);
    // the audit trail records the mismatch, and the PGO revoked the token (RFC 7009)
    expect(audit.map((e) => `${e.type} ${e.outcome}`)).toEqual(['consent.granted success', 'identity-check failure', 'token.revoked success']);
    expect(audit[1]).toMatchObject({ identity: 'mismatch', sub: subOf(PIETER), act: [subOf(ANNA)] });

    // a new collect asks DigiD again (prompt=login): choosing Sanne now works
    const again = await collectAs(stack, browser, await openDossier(stack, browser, SANNE), ANNA, SANNE);
    expect(hasTestId(again, 'task-task-van-dijk')).toBe(true);
  });

  it('refuses a representation token in an own dossier: Anna opens hers and picks Sanne at DigiD', async () => {
    const browser = new Browser();
    await pgoLogin(stack, browser, ANNA, 'self');
    const warning = await collectAs(stack, browser, await openDossier(stack, browser, ANNA), ANNA, SANNE);
    expect(hasTestId(warning, 'identity-warning')).toBe(true);
    expect(pageText(warning)).toContain('U opende het dossier van Anna van der Berg');
    expect(await pgoStore.dossierData(ANNA)).toBeUndefined();
  });

  it('a shared browser: Anna\'s own collect after Sanne\'s asks DigiD again, so Sanne\'s DVA session cannot fill Anna\'s dossier', async () => {
    const browser = new Browser();
    await pgoLogin(stack, browser, SANNE);
    const sanne = await collectAs(stack, browser, await openDossier(stack, browser, SANNE), SANNE);
    expect(hasTestId(sanne, 'task-task-van-dijk')).toBe(true);
    const out = await browser.submit(await browser.navigate(stack.urls.pgo), 'pgo-logout');
    expect(hasTestId(out, 'pgo-login')).toBe(true);

    // Anna at the same browser: no representation, so the identity check is not required by default
    await pgoLogin(stack, browser, ANNA, 'self');
    const collect = await browser.submit(await openDossier(stack, browser, ANNA), 'collect');
    // OIDC Core §3.1.2.1 prompt=login: the DVA authenticates again instead of answering from Sanne's session
    expect(new URL(collect.url).origin).toBe(stack.urls.digid);
    const consent = await digid(stack, browser, collect, ANNA, 'self');
    const back = await browser.submit(consent, 'consent-approve');
    expect(back.url).toBe(`${stack.urls.pgo}/dossier/${ANNA}`);
    expect(hasTestId(back, 'task-task-van-dijk')).toBe(false);
    expect(await dvaClaims(stack, await pgoStore.collectToken(ANNA))).toMatchObject({ sub: subOf(ANNA) });
    expect((await pgoStore.dossierData(ANNA))?.tasks.map((t) => t.id)).not.toContain('task-van-dijk');
  });
});
