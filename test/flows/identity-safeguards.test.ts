// docs/identity-check-reference.md acceptance scenario 3: the wrong-person collect of scenario 2 under each of the
// alternative safeguards (4.3.1 confirm screen, 4.3.2 quarantine box, 4.2.4 identifying data in the
// token response), each behind PGO_IDENTITY_SAFEGUARDS; the user is warned before any data enters
// Sanne's dossier. Plus the PGO's other identity switches.
import { afterEach, describe, expect, it } from 'vitest';
import { startStack, type Stack, type StackOptions } from '../../scripts/stack.ts';
import { Browser, textOf, type Page } from '../support/browser.ts';
import {
  ANNA, PIETER, PIETER_TRACES, RecordingStore, SANNE, auditOf, collectAs, hasTestId, openDossier, pageText, pgoLogin,
} from '../support/identity.ts';
import { TOM } from '../support/flows.ts';

let stack: Stack | undefined;
let pgoStore: RecordingStore;

async function start(pgo: Record<string, string>, dvaAuth: Record<string, string> = {}, dvaFhir: Record<string, string> = {}): Promise<Stack> {
  pgoStore = new RecordingStore();
  const options: StackOptions = { ports: { pgo: 0, dvaAuth: 0, dvaFhir: 0, module: 0, digid: 0 }, pgoStore, serviceEnv: { pgo, dvaAuth, dvaFhir } };
  stack = await startStack(options);
  return stack;
}

afterEach(async () => {
  await stack?.close();
  await pgoStore?.close();
  stack = undefined;
});

/** Anna at the PGO, Sanne's dossier open. */
async function sannesDossier(s: Stack): Promise<{ browser: Browser; dossier: Page }> {
  const browser = new Browser();
  await pgoLogin(s, browser, ANNA, 'self');
  return { browser, dossier: await openDossier(s, browser, SANNE) };
}

/** Collect up to the point where the PGO answers (DigiD as Anna for `represent`, the DVA's consent). */
async function collectUntilPgo(s: Stack, browser: Browser, dossier: Page, represent: string): Promise<Page> {
  return collectAs(s, browser, dossier, ANNA, represent);
}

describe('4.3.1 confirm screen (PGO_IDENTITY_SAFEGUARDS=confirm-screen)', () => {
  it('asks before the code is redeemed; cancelling stores nothing and fetches nothing', async () => {
    const s = await start({ PGO_IDENTITY_SAFEGUARDS: 'confirm-screen' });
    const { browser, dossier } = await sannesDossier(s);
    let confirm!: Page;
    const audit = await auditOf(s, async () => {
      confirm = await collectUntilPgo(s, browser, dossier, PIETER);
    });
    expect(hasTestId(confirm, 'confirm-collect')).toBe(true);
    expect(textOf(confirm, 'confirm-dossier-name')).toBe('Sanne van Dijk');
    expect(pageText(confirm)).toMatch(new RegExp(`U koos ervoor gegevens van de zorgaanbieder op ${new URL(s.urls.dvaFhir).host} te bewaren in het dossier van Sanne van Dijk ?\\. Weet u het zeker\\?`));
    // the code is not redeemed yet: the DVA issued no token, the PGO holds nothing
    expect(audit.map((e) => e.type)).toEqual(['consent.granted']);
    expect(await pgoStore.tracesOf(s, PIETER_TRACES)).toEqual([]);

    const back = await browser.submit(confirm, 'confirm-cancel');
    expect(back.url).toBe(`${s.urls.pgo}/dossier/${SANNE}`);
    expect(textOf(back, 'notice')).toBe('Nothing was collected.');
    expect(await pgoStore.dossierData(SANNE)).toBeUndefined();
    expect(await pgoStore.tracesOf(s, PIETER_TRACES)).toEqual([]);
  });

  it('collects after "yes" for the right person (with the DVA\'s check optional, as this safeguard alone needs)', async () => {
    const s = await start({ PGO_IDENTITY_SAFEGUARDS: 'confirm-screen' }, {}, { IDENTITY_CHECK_REQUIRED: 'false' });
    const { browser, dossier } = await sannesDossier(s);
    const back = await browser.submit(await collectUntilPgo(s, browser, dossier, SANNE), 'confirm-approve');
    expect(hasTestId(back, 'task-task-van-dijk')).toBe(true);
  });

  it('runs on after "yes" into the identity endpoint when both are on: a mismatch still stores nothing', async () => {
    const s = await start({ PGO_IDENTITY_SAFEGUARDS: 'confirm-screen,identity-endpoint' });
    const { browser, dossier } = await sannesDossier(s);
    const warning = await browser.submit(await collectUntilPgo(s, browser, dossier, PIETER), 'confirm-approve');
    expect(warning.body).toContain('data-reason="mismatch"');
    expect(await pgoStore.tracesOf(s, PIETER_TRACES)).toEqual([]);
  });

  it('refuses a confirmation that does not belong to a pending collect', async () => {
    const s = await start({ PGO_IDENTITY_SAFEGUARDS: 'confirm-screen' });
    const { browser, dossier } = await sannesDossier(s);
    const confirm = await collectUntilPgo(s, browser, dossier, SANNE);
    const forged = await browser.submit(confirm, 'confirm-approve', { state: 'not-a-pending-collect' });
    expect(forged.status).toBe(400);
    expect(await pgoStore.dossierData(SANNE)).toBeUndefined();
  });

  it('without the DVA\'s check, a wrong "yes" meets the gate: the DVA hands out no data (docs/identity-check-reference.md "Gate")', async () => {
    const s = await start({ PGO_IDENTITY_SAFEGUARDS: 'confirm-screen' });
    const { browser, dossier } = await sannesDossier(s);
    const failed = await browser.submit(await collectUntilPgo(s, browser, dossier, PIETER), 'confirm-approve');
    // the PGO skipped the identity endpoint: the gate's 403 is shown as the identity warning, not as a failing DVA
    expect(failed.status).toBe(409);
    expect(failed.body).toMatch(/data-testid="identity-warning" data-reason="check-required"/);
    expect(await pgoStore.dossierData(SANNE)).toBeUndefined();
  });
});

describe('4.3.2 quarantine box (PGO_IDENTITY_SAFEGUARDS=quarantine)', () => {
  it('keeps Pieter\'s data out of Sanne\'s dossier, warns, and discards it on request', async () => {
    // the DVA's gate is optional here: the quarantine box fetches before anyone checked
    const s = await start({ PGO_IDENTITY_SAFEGUARDS: 'quarantine' }, {}, { IDENTITY_CHECK_REQUIRED: 'false' });
    const { browser, dossier } = await sannesDossier(s);
    const box = await collectUntilPgo(s, browser, dossier, PIETER);
    expect(box.url).toBe(`${s.urls.pgo}/dossier/${SANNE}/quarantine`);
    expect(textOf(box, 'quarantine-person')).toBe('Pieter Willem ter Horst');
    expect(hasTestId(box, 'identity-warning')).toBe(true);
    expect(hasTestId(box, 'quarantine-task-task-ter-horst')).toBe(true);
    expect(await pgoStore.dossierData(SANNE)).toBeUndefined();

    let back!: Page;
    const audit = await auditOf(s, async () => {
      back = await browser.submit(box, 'quarantine-discard');
    });
    expect(textOf(back, 'notice')).toBe('The data in quarantine was discarded.');
    expect(hasTestId(back, 'task-task-ter-horst')).toBe(false);
    expect(await pgoStore.dossierData(SANNE)).toBeUndefined();
    expect(audit.map((e) => `${e.type} ${e.outcome}`)).toEqual(['token.revoked success']);
    expect((await browser.navigate(`${s.urls.pgo}/dossier/${SANNE}/quarantine`)).status).toBe(404);
  });

  it('moves the right person\'s data into the dossier when the person accepts', async () => {
    const s = await start({ PGO_IDENTITY_SAFEGUARDS: 'quarantine,identity-endpoint' });
    const { browser, dossier } = await sannesDossier(s);
    const box = await collectUntilPgo(s, browser, dossier, SANNE);
    expect(textOf(box, 'quarantine-person')).toBe('Sanne van Dijk');
    expect(hasTestId(box, 'identity-warning')).toBe(false);
    const back = await browser.submit(box, 'quarantine-accept');
    expect(hasTestId(back, 'task-task-van-dijk')).toBe(true);
    expect((await pgoStore.dossierData(SANNE))?.tasks.map((t) => t.id)).toEqual(['task-van-dijk']);
  });
});

describe('4.2.4 identifying data in the token response (PGO_IDENTITY_SAFEGUARDS=token-identity)', () => {
  it('compares before any data request: Pieter\'s name and birth date do not match, nothing is kept', async () => {
    const s = await start({ PGO_IDENTITY_SAFEGUARDS: 'token-identity' }, { IDENTITY_IN_TOKEN_RESPONSE: 'representation' });
    const { browser, dossier } = await sannesDossier(s);
    let warning!: Page;
    const audit = await auditOf(s, async () => {
      warning = await collectUntilPgo(s, browser, dossier, PIETER);
    });
    expect(warning.status).toBe(409);
    expect(warning.body).toContain('data-reason="mismatch"');
    expect(pageText(warning)).toContain('U opende het dossier van Sanne van Dijk');
    // no identity-check call and no data request: the PGO decided on the token response alone
    expect(audit.map((e) => `${e.type} ${e.outcome}`)).toEqual(['consent.granted success', 'token.revoked success']);
    expect(await pgoStore.tracesOf(s, PIETER_TRACES)).toEqual([]);
  });

  it('collects when the token response describes the dossier\'s person', async () => {
    const s = await start({ PGO_IDENTITY_SAFEGUARDS: 'token-identity' }, { IDENTITY_IN_TOKEN_RESPONSE: 'always' }, { IDENTITY_CHECK_REQUIRED: 'false' });
    const { browser, dossier } = await sannesDossier(s);
    expect(hasTestId(await collectUntilPgo(s, browser, dossier, SANNE), 'task-task-van-dijk')).toBe(true);
  });

  it('refuses when the DVA sends no identifying data (IDENTITY_IN_TOKEN_RESPONSE=off)', async () => {
    const s = await start({ PGO_IDENTITY_SAFEGUARDS: 'token-identity' });
    const { browser, dossier } = await sannesDossier(s);
    const warning = await collectUntilPgo(s, browser, dossier, SANNE);
    expect(warning.body).toContain('data-reason="no-identity"');
    expect(await pgoStore.dossierData(SANNE)).toBeUndefined();
  });
});

describe('the PGO\'s other identity switches', () => {
  it('PGO_IDENTITY_CHECK=always: an own dossier is checked too (no representation)', async () => {
    const s = await start({ PGO_IDENTITY_CHECK: 'always' });
    const browser = new Browser();
    await pgoLogin(s, browser, TOM);
    const audit = await auditOf(s, async () => collectAs(s, browser, await openDossier(s, browser, TOM), TOM));
    expect(audit.filter((e) => e.type === 'identity-check')).toEqual([expect.objectContaining({ identity: 'match', outcome: 'success' })]);
  });

  it('PGO_IDENTITY_CHECK=representation (default): an own dossier without representation is not checked', async () => {
    const s = await start({});
    const browser = new Browser();
    await pgoLogin(s, browser, TOM);
    const audit = await auditOf(s, async () => collectAs(s, browser, await openDossier(s, browser, TOM), TOM));
    expect(audit.filter((e) => e.type === 'identity-check')).toEqual([]);
  });

  it('PGO_IDENTITY_FIELDS: the PGO sends only the listed fields', async () => {
    const s = await start({ PGO_IDENTITY_FIELDS: 'family,birthDate' });
    const { browser, dossier } = await sannesDossier(s);
    const audit = await auditOf(s, () => collectUntilPgo(s, browser, dossier, SANNE));
    expect(audit.find((e) => e.type === 'identity-check')).toMatchObject({ identity: 'match', fields: ['birthDate', 'family'] });
  });

  it('PGO_IDENTITY_PATH follows the DVA\'s IDENTITY_CHECK_PATH', async () => {
    const s = await start({ PGO_IDENTITY_PATH: 'identity-check' }, {}, { IDENTITY_CHECK_PATH: 'identity-check' });
    const { browser, dossier } = await sannesDossier(s);
    expect(hasTestId(await collectUntilPgo(s, browser, dossier, SANNE), 'task-task-van-dijk')).toBe(true);
  });

  it('a PGO that calls the wrong path gets no answer, and under a required check stores nothing', async () => {
    const s = await start({ PGO_IDENTITY_PATH: 'identity-check' });
    const { browser, dossier } = await sannesDossier(s);
    const warning = await collectUntilPgo(s, browser, dossier, SANNE);
    expect(warning.body).toContain('data-reason="unavailable"');
    expect(await pgoStore.dossierData(SANNE)).toBeUndefined();
  });

  it('the PGO\'s DigiD login under a mandate opens only the represented person\'s dossier', async () => {
    const s = await start({});
    const home = await pgoLogin(s, new Browser(), ANNA, SANNE);
    expect(pageText(home)).toContain('Ingelogd als Anna van der Berg , namens Sanne van Dijk');
    expect(hasTestId(home, `dossier-${SANNE}`)).toBe(true);
    expect(hasTestId(home, `dossier-${ANNA}`)).toBe(false);
  });
});
