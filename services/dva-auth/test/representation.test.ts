import { describe, expect, it } from 'vitest';
import { dvaAuthConfig, type DvaAuth, type GrantContext, type LaunchContextRecord } from '../src/index.ts';
import { pseudonym, PatientIndex } from '../src/patients.ts';
import { consentRepresentative, patientIdentity, representationClaims, representationResponse, representativeOf } from '../src/collect/representation.ts';

const SECRET = 'test-pseudonym-secret-0123456789';
const ANNA = '999990019';
const anna = { sub: pseudonym(SECRET, ANNA) };
const collect = (act?: { sub: string }): GrantContext => ({ kind: 'collect', sub: 'sub-sanne', patient: 'pat-van-dijk', ...(act && { act }) });
const launch = (extra: Partial<LaunchContextRecord> = {}): LaunchContextRecord => ({
  sub: 'sub-sanne', patient: 'pat-van-dijk', audience: 'module-3a', pgo_client_id: 'pgo-demo', resources: ['Task/task-van-dijk'], ...extra,
});
const module = (record: LaunchContextRecord): GrantContext => ({ kind: 'module', sub: record.sub, patient: record.patient, launch: record, started_at: 0 });

const patients = new PatientIndex(
  [{ resourceType: 'Patient', id: 'pat-van-dijk', identifier: [{ system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: '999990044' }], name: [{ use: 'official', family: 'van Dijk', given: ['Sanne'] }], birthDate: '1979-05-14' }],
  SECRET,
);
const sanne = patients.byBsn('999990044')!;

function dva(env: Record<string, string> = {}, contexts: Record<string, GrantContext> = {}): DvaAuth {
  return {
    config: dvaAuthConfig(env),
    patients,
    grantContext: { get: async (id: string) => contexts[id], set: async () => undefined },
  } as unknown as DvaAuth;
}

describe('representativeOf', () => {
  it('names the representative by the DVA\'s pseudonym of their BSN, never the BSN', () => {
    const actor = representativeOf({ bsn: '999990044', act: { bsn: ANNA, name: 'Anna van der Berg' } }, SECRET);
    expect(actor).toEqual(anna);
    expect(JSON.stringify(actor)).not.toContain(ANNA);
    expect(representativeOf({ bsn: ANNA }, SECRET)).toBeUndefined();
  });
});

describe('representationClaims (the access token)', () => {
  it('a collect token under representation: `act` and `representation`', () => {
    expect(representationClaims(collect(anna), {})).toEqual({ act: anna, representation: true });
  });

  it('a collect token of the person themselves: nothing', () => {
    expect(representationClaims(collect(), {})).toEqual({});
  });

  it('a module token: the launch\'s representative, and the collect grant whose check covers it', () => {
    expect(representationClaims(module(launch({ act: anna, subject_grant_id: 'g-collect' })), {})).toEqual({ act: anna, representation: true, identity_grant: 'g-collect' });
    expect(representationClaims(module(launch({ subject_grant_id: 'g-collect' })), {})).toEqual({ identity_grant: 'g-collect' });
  });

  it('leaves an `act` the token already has (a delegation token\'s chain) in place', () => {
    expect(representationClaims(module(launch({ act: anna })), { act: { sub: 'module-2a' } })).toEqual({ representation: true });
  });
});

describe('representationResponse (the token response)', () => {
  it('carries `act` under representation; identifying data only when IDENTITY_IN_TOKEN_RESPONSE says so', () => {
    const context = { ...collect(anna), sub: sanne.sub };
    expect(representationResponse(context, dva())).toEqual({ act: anna });
    expect(representationResponse(context, dva({ IDENTITY_IN_TOKEN_RESPONSE: 'representation' }))).toEqual({
      act: anna,
      patient_identity: { family: 'van Dijk', given: ['Sanne'], birthDate: '1979-05-14' },
    });
  });

  it('IDENTITY_IN_TOKEN_RESPONSE=representation leaves it out for the person themselves; `always` does not', () => {
    const context = { ...collect(), sub: sanne.sub };
    expect(representationResponse(context, dva({ IDENTITY_IN_TOKEN_RESPONSE: 'representation' }))).toEqual({});
    expect(representationResponse(context, dva({ IDENTITY_IN_TOKEN_RESPONSE: 'always' }))).toHaveProperty('patient_identity');
  });

  it('never on a module token response', () => {
    expect(representationResponse(module(launch({ act: anna })), dva({ IDENTITY_IN_TOKEN_RESPONSE: 'always' }))).toEqual({ act: anna });
  });

  it('sends no BSN (data minimisation)', () => {
    expect(patientIdentity(sanne)).not.toHaveProperty('bsn');
  });
});

describe('consentRepresentative: what the collect grant records', () => {
  const details = (lastSubmission: unknown, grantId?: string) => ({ lastSubmission, grantId }) as never;

  it('the DigiD login of this authorization request, acting for someone or not', async () => {
    const d = dva({}, { old: collect({ sub: 'someone-before' }) });
    expect(await consentRepresentative(d, details({ login: {}, representation: { act: anna } }, 'old'))).toEqual(anna);
    expect(await consentRepresentative(d, details({ login: {}, representation: {} }, 'old'))).toBeUndefined();
  });

  it('without a login in this request (the DVA session), the extended grant\'s representative', async () => {
    const d = dva({}, { old: collect(anna) });
    expect(await consentRepresentative(d, details(undefined, 'old'))).toEqual(anna);
    expect(await consentRepresentative(d, details(undefined))).toBeUndefined();
  });
});
