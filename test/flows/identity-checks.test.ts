// docs/identity-check-reference.md acceptance scenarios 4, 5 and 6 against the running stack, and the DVA's and
// the PGO's "mandatory or optional" switches.
import { afterEach, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../scripts/stack.ts';
import { Browser, textOf } from '../support/browser.ts';
import { ANNA, BAKKER, RecordingStore, SANNE, auditOf, collectAs, hasTestId, openDossier, pageText, pgoLogin } from '../support/identity.ts';

let stack: Stack | undefined;
let pgoStore: RecordingStore;

async function start(serviceEnv: { pgo?: Record<string, string>; dvaFhir?: Record<string, string> } = {}): Promise<Stack> {
  pgoStore = new RecordingStore();
  stack = await startStack({ ports: { pgo: 0, dvaAuth: 0, dvaFhir: 0, module: 0, digid: 0 }, pgoStore, serviceEnv });
  return stack;
}

afterEach(async () => {
  await stack?.close();
  await pgoStore?.close();
  stack = undefined;
});

/** `POST {base}/userinfo` with `token`, as any client of the DVA may call it. */
async function identityCheck(s: Stack, token: string, person: Record<string, unknown>): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${s.urls.dvaFhir}/userinfo`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ person, checks: ['identity'] }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function fhirGet(s: Stack, token: string, path: string): Promise<{ status: number; body: { issue?: Array<{ code: string; diagnostics?: string }> } }> {
  const response = await fetch(`${s.urls.dvaFhir}/${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as never };
}

/** Anna collects Sanne's dossier, choosing Sanne at DigiD: a matched collect token the PGO keeps. */
async function sannesToken(s: Stack): Promise<{ browser: Browser; token: string }> {
  const browser = new Browser();
  await pgoLogin(s, browser, ANNA, 'self');
  const back = await collectAs(s, browser, await openDossier(s, browser, SANNE), ANNA, SANNE);
  expect(hasTestId(back, 'task-task-van-dijk')).toBe(true);
  return { browser, token: await pgoStore.collectToken(SANNE) };
}

// The PGO knows no BSN of the dossier (it sends name and birth date only), and checks every collect.
const PGO_WITHOUT_BSN = { PGO_IDENTITY_CHECK: 'always', PGO_IDENTITY_FIELDS: 'family,given,birthDate' };

describe('scenario 4: a DVA patient without enough identifying data', () => {
  it('blocks the collect with a clear reason when the check is mandatory', async () => {
    const s = await start({ pgo: PGO_WITHOUT_BSN, dvaFhir: { IDENTITY_CHECK: 'always' } });
    const browser = new Browser();
    await pgoLogin(s, browser, BAKKER);
    let warning!: Awaited<ReturnType<typeof collectAs>>;
    const audit = await auditOf(s, async () => {
      warning = await collectAs(s, browser, await openDossier(s, browser, BAKKER), BAKKER);
    });
    expect(warning.status).toBe(409);
    expect(warning.body).toContain('data-reason="insufficient-data"');
    expect(pageText(warning)).toContain('hij heeft te weinig identificerende gegevens om zeker te zijn');
    expect(await pgoStore.dossierData(BAKKER)).toBeUndefined();
    expect(audit.find((e) => e.type === 'identity-check')).toMatchObject({ identity: 'insufficient-data', outcome: 'failure', fields: ['birthDate', 'family', 'given'] });
  });

  it('collects and says so when both sides made the check optional', async () => {
    const s = await start({ pgo: { ...PGO_WITHOUT_BSN, PGO_IDENTITY_REQUIRED: 'false' }, dvaFhir: { IDENTITY_CHECK: 'always', IDENTITY_CHECK_REQUIRED: 'false' } });
    const browser = new Browser();
    await pgoLogin(s, browser, BAKKER);
    const back = await collectAs(s, browser, await openDossier(s, browser, BAKKER), BAKKER);
    expect(back.url).toBe(`${s.urls.pgo}/dossier/${BAKKER}`);
    expect(textOf(back, 'notice')).toContain('kon niet bevestigen');
    expect(await pgoStore.dossierData(BAKKER)).toEqual(expect.objectContaining({ patient: 'pat-bakker', tasks: [] }));
  });

  it('still stores nothing when the PGO made it optional but the DVA keeps its gate', async () => {
    const s = await start({ pgo: { ...PGO_WITHOUT_BSN, PGO_IDENTITY_REQUIRED: 'false' }, dvaFhir: { IDENTITY_CHECK: 'always' } });
    const browser = new Browser();
    await pgoLogin(s, browser, BAKKER);
    const failed = await collectAs(s, browser, await openDossier(s, browser, BAKKER), BAKKER);
    // the PGO did not ask (its check runs only under representation); the DVA's gate answer is the warning
    expect(failed.status).toBe(409);
    expect(failed.body).toMatch(/data-testid="identity-warning" data-reason="check-required"/);
    expect(await pgoStore.dossierData(BAKKER)).toBeUndefined();
    expect(pgoStore.written.filter((entry) => entry.includes('dva-tokens'))).toEqual([]); // not even the token
  });
});

describe('scenario 5: attempts per token', () => {
  it('refuses the fourth identity check on one token and locks it, for the PGO and for a module it launched', async () => {
    const s = await start();
    const { browser, token } = await sannesToken(s); // the PGO's own check was attempt 1
    // a module launched from this collect grant, open in the browser
    const launched = await browser.submit(await openDossier(s, browser, SANNE), 'start-module-task-van-dijk');
    const app = hasTestId(launched, 'consent-approve') ? await browser.submit(launched, 'consent-approve') : launched;
    expect(textOf(app, 'module-on-behalf')).toBe('U handelt namens Sanne van Dijk');

    const sanne = { bsn: SANNE };
    expect((await identityCheck(s, token, sanne)).body).toEqual({ identity: 'match', attemptsLeft: 1 });
    expect((await identityCheck(s, token, sanne)).body).toEqual({ identity: 'match', attemptsLeft: 0 });
    expect((await fhirGet(s, token, 'Task?owner=Patient/pat-van-dijk')).status).toBe(200);

    const fourth = await identityCheck(s, token, sanne);
    expect(fourth).toEqual({ status: 200, body: { identity: 'mismatch', attemptsLeft: 0 } });
    const locked = await fhirGet(s, token, 'Task?owner=Patient/pat-van-dijk');
    expect(locked.status).toBe(403);
    expect(locked.body.issue).toEqual([{ severity: 'error', code: 'security', diagnostics: 'identity check required' }]);

    // the module's token carries `identity_grant`: the lock reaches it too
    const submitted = await browser.submit(app, 'module-submit', { systolic: '130', diastolic: '85' });
    expect(new URL(submitted.url).origin).toBe(s.urls.module);
    expect(hasTestId(submitted, 'module-error')).toBe(true);
    expect(textOf(submitted, 'module-error-code')).toBe('403');
  });
});

describe('scenario 6: name variants', () => {
  it('matches "Berg, van der", "van der Berg", "VAN DER BERG" and "Van der Bérg"; a different birth date never', async () => {
    // Anna's own dossier under "always" on both sides; enough attempts for every variant on one token
    const s = await start({ pgo: { PGO_IDENTITY_CHECK: 'always' }, dvaFhir: { IDENTITY_CHECK: 'always', IDENTITY_CHECK_ATTEMPTS: '10' } });
    const browser = new Browser();
    await pgoLogin(s, browser, ANNA, 'self');
    await collectAs(s, browser, await openDossier(s, browser, ANNA), ANNA, 'self');
    const token = await pgoStore.collectToken(ANNA);
    for (const family of ['Berg, van der', 'van der Berg', 'VAN DER BERG', 'Van der Bérg']) {
      expect((await identityCheck(s, token, { family, given: ['Anna'], birthDate: '1984-03-07' })).body.identity, family).toBe('match');
    }
    expect((await identityCheck(s, token, { family: 'van der Berg', given: ['Anna'], birthDate: '1984-03-08' })).body.identity).toBe('mismatch');
  });
});
