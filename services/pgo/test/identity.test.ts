import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Accounts } from '../src/accounts.ts';
import { loadPgoConfig } from '../src/config.ts';
import { checkIdentity, dossierPerson } from '../src/identity-check.ts';
import { patientPerson, safeguardsApply } from '../src/safeguards.ts';
import type { DossierRef } from '../src/session.ts';

const SANNE: DossierRef = {
  bsn: '999990044',
  name: 'Sanne van Dijk',
  relation: 'represented',
  person: { bsn: '999990044', family: 'van Dijk', given: ['Sanne'], birthDate: '1979-05-14' },
};
const ALL_FIELDS = ['bsn', 'family', 'given', 'birthDate'] as const;

function accountsFile(json: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'pgo-accounts-')), 'accounts.json');
  writeFileSync(file, typeof json === 'string' ? json : JSON.stringify(json));
  return file;
}

describe('Accounts (PGO_ACCOUNTS_FILE)', () => {
  it('gives a representative the dossiers of the accounts that name them, with the recorded person', async () => {
    const accounts = await Accounts.load(loadPgoConfig({}).accountsFile); // the demo file
    expect(accounts.representedBy('999990019')).toEqual([SANNE]);
    expect(accounts.representedBy('999990056')).toEqual([]);
  });

  it('refuses a malformed file, naming it', async () => {
    const file = accountsFile({ accounts: [{ bsn: '12', name: 'x' }] });
    await expect(Accounts.load(file)).rejects.toThrow(`PGO_ACCOUNTS_FILE ${file} is malformed`);
    await expect(Accounts.load(accountsFile('{'))).rejects.toThrow('cannot be read');
  });
});

describe('dossierPerson: what the PGO sends (PGO_IDENTITY_FIELDS)', () => {
  it('sends the recorded fields that are allowed, nothing else', () => {
    expect(dossierPerson(SANNE, { fields: ALL_FIELDS })).toEqual(SANNE.person);
    expect(dossierPerson(SANNE, { fields: ['family', 'birthDate'] })).toEqual({ family: 'van Dijk', birthDate: '1979-05-14' });
  });

  it('falls back to the dossier\'s BSN when nothing was recorded', () => {
    const { person: _person, ...bare } = SANNE;
    expect(dossierPerson(bare, { fields: ALL_FIELDS })).toEqual({ bsn: '999990044' });
    expect(dossierPerson(bare, { fields: ['family'] })).toEqual({});
  });
});

describe('checkIdentity: the DVA\'s endpoint (docs/identity-check-reference.md "Contract")', () => {
  const request = (respond: () => Promise<Response> | Response, seen: Array<{ url: string; init: RequestInit }> = []) =>
    checkIdentity({
      fhirBase: 'http://fhir.localhost/fhir',
      accessToken: 'collect-token',
      person: { bsn: '999990044' },
      path: 'userinfo',
      fetch: (async (url: string, init: RequestInit) => {
        seen.push({ url, init });
        return respond();
      }) as unknown as typeof fetch,
    });

  it('posts the person and both checks with the collect token, and reads the answer', async () => {
    const seen: Array<{ url: string; init: RequestInit }> = [];
    const answer = await request(() => Response.json({ identity: 'match', availability: { Task: true }, attemptsLeft: 2 }), seen);
    expect(answer).toEqual({ identity: 'match', availability: { Task: true }, attemptsLeft: 2 });
    expect(seen[0]!.url).toBe('http://fhir.localhost/fhir/userinfo');
    expect(seen[0]!.init.headers).toMatchObject({ authorization: 'Bearer collect-token', 'content-type': 'application/json' });
    expect(JSON.parse(String(seen[0]!.init.body))).toEqual({ person: { bsn: '999990044' }, checks: ['identity', 'availability'] });
  });

  it.each([
    ['a refusal', () => new Response('{}', { status: 403 })],
    ['an answer without identity', () => Response.json({ availability: {} })],
    ['an unknown verdict', () => Response.json({ identity: 'probably' })],
    ['a body that is no JSON', () => new Response('<html>', { status: 200 })],
    ['an unreachable DVA', () => Promise.reject(new TypeError('fetch failed'))],
  ])('is `unavailable` for %s', async (_name, respond) => {
    expect(await request(respond)).toBe('unavailable');
  });
});

describe('safeguardsApply (PGO_IDENTITY_CHECK)', () => {
  const own: DossierRef = { bsn: '999990019', name: 'Anna van der Berg', relation: 'self' };
  it('runs for a represented dossier, or when the DVA says a representative chose', () => {
    expect(safeguardsApply({ when: 'representation' }, SANNE)).toBe(true);
    expect(safeguardsApply({ when: 'representation' }, own)).toBe(false);
    expect(safeguardsApply({ when: 'representation' }, own, { act: { sub: 'x' } })).toBe(true);
  });

  it('runs for every collect under `always`', () => {
    expect(safeguardsApply({ when: 'always' }, own)).toBe(true);
  });
});

describe('patientPerson: a FHIR Patient as identifying data', () => {
  it('takes the BSN, the official name and the birth date', () => {
    const patient = {
      resourceType: 'Patient',
      identifier: [{ system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: '999990056' }],
      name: [{ use: 'usual', given: ['Piet'] }, { use: 'official', family: 'ter Horst', given: ['Pieter', 'Willem'] }],
      birthDate: '1938-01-19',
    };
    expect(patientPerson(patient)).toEqual({ bsn: '999990056', family: 'ter Horst', given: ['Pieter', 'Willem'], birthDate: '1938-01-19' });
    expect(patientPerson(undefined)).toEqual({});
    expect(patientPerson({ resourceType: 'Patient', name: [{ family: 'Bakker' }] })).toEqual({ family: 'Bakker' });
  });
});

describe('configuration', () => {
  it('defaults to the identity endpoint, under representation, mandatory, all fields', () => {
    expect(loadPgoConfig({}).identity).toEqual({ safeguards: ['identity-endpoint'], when: 'representation', required: true, fields: ALL_FIELDS, path: 'userinfo' });
  });

  it.each([
    ['PGO_IDENTITY_SAFEGUARDS', 'identity-endpoint,guesswork'],
    ['PGO_IDENTITY_SAFEGUARDS', ''],
    ['PGO_IDENTITY_CHECK', 'never'],
    ['PGO_IDENTITY_FIELDS', 'bsn,address'],
    ['PGO_IDENTITY_PATH', '/userinfo'],
  ])('refuses %s=%s', (name, value) => {
    expect(() => loadPgoConfig({ [name]: value })).toThrow(name);
  });
});
