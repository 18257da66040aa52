import type { AccessTokenClaims } from '@koppelmij/core/access-token';
import { createDpopProof } from '@koppelmij/core/dpop';
import type { KeyValueStore } from '@koppelmij/core/store';
import { randomToken } from '@koppelmij/core/util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '@koppelmij/core/store';
import { dataUnavailable } from '../src/data/fhir-data.ts';
import { MemoryFhirData } from '../src/data/memory-data.ts';
import { dvaIdentity, IdentityCheck } from '../src/identity-check.ts';
import type { Access } from '../src/policy.ts';
import { loadDvaFhirConfig } from '../src/index.ts';
import { body, generateDpopKey, harness, issueCode, type Harness } from './support.ts';

// docs/identity-check-reference.md: the person whose dossier is open in the PGO, as the PGO sends it
const TOM = { bsn: '999990020', family: 'van Duinen', given: ['Erik'], birthDate: '1961-08-02' };
const KOOS = { bsn: '999990032', family: 'de Groot', given: ['Jacobus', 'Hendrik'], birthDate: '1952-11-23' };
const UNIFORM_MISMATCH = { identity: 'mismatch', attemptsLeft: 0 };

describe('the identity-check endpoint and the gate (docs/identity-check-reference.md)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
  });
  afterAll(() => h.close());

  /** A collect token under representation, with a grant of its own. */
  const represented = (claims: Partial<AccessTokenClaims> = {}) => h.token({ representation: true, grant_id: randomToken(), ...claims });
  const check = (token: string, person: unknown, checks: string[] = ['identity']) =>
    h.request('POST', 'userinfo', token, { payload: { person, checks } });

  describe('identity', () => {
    it('answers match for the token\'s own patient, and then lets data through', async () => {
      const token = await represented();
      const response = await check(token, TOM, ['identity', 'availability']);
      expect(response.statusCode).toBe(200);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(body(response)).toEqual({ identity: 'match', availability: { Task: true, ServiceRequest: true }, attemptsLeft: 2 });
      expect((await h.request('GET', 'Task/task-3a', token)).statusCode).toBe(200);
    });

    it('answers mismatch for another person and locks the grant for data', async () => {
      const token = await represented();
      const response = await check(token, KOOS);
      expect(body(response)).toEqual(UNIFORM_MISMATCH);
      const data = await h.request('GET', 'Task/task-3a', token);
      expect(data.statusCode).toBe(403);
      expect(body(data).issue).toEqual([{ severity: 'error', code: 'security', diagnostics: 'identity check required' }]);
      // a lock is never lifted by a later match
      expect(body(await check(token, TOM))).toEqual(UNIFORM_MISMATCH);
      expect((await h.request('GET', 'Task/task-3a', token)).statusCode).toBe(403);
    });

    it('decides on the demographics when no BSN is sent, and a different birth date never matches', async () => {
      const { bsn: _bsn, ...withoutBsn } = TOM;
      expect(body(await check(await represented(), withoutBsn)).identity).toBe('match');
      expect(body(await check(await represented(), { ...withoutBsn, birthDate: '1961-08-03' })).identity).toBe('mismatch');
    });

    it('answers insufficient-data when the DVA\'s record lacks a required field, and keeps the gate shut', async () => {
      const token = await represented({ patient: 'pat-bakker' });
      const response = await check(token, { family: 'Bakker', birthDate: '1950-01-01' });
      expect(body(response)).toEqual({ identity: 'insufficient-data', attemptsLeft: 2 });
      expect(issueCode(await h.request('GET', 'Patient/pat-bakker', token))).toBe('security');
    });

    it('answers insufficient-data when the request carries too little', async () => {
      expect(body(await check(await represented(), { family: 'van Duinen' })).identity).toBe('insufficient-data');
    });

    it('gives the same answer for every mismatch and never the DVA\'s data or the differing field', async () => {
      const answers = [
        await check(await represented(), KOOS), // another BSN
        await check(await represented(), { ...TOM, bsn: undefined, birthDate: '1970-01-01' }), // another birth date
        await check(await represented(), { ...TOM, bsn: undefined, family: 'van Dijk' }), // another name
      ];
      const locked = await represented();
      await check(locked, KOOS);
      answers.push(await check(locked, TOM)); // locked
      for (const answer of answers) {
        expect(answer.statusCode).toBe(200);
        expect(answer.body).toBe(JSON.stringify(UNIFORM_MISMATCH));
        expect(answer.headers['content-type']).toBe(answers[0]!.headers['content-type']);
      }
    });
  });

  describe('attempts and state per grant', () => {
    it('refuses the fourth attempt on one grant and locks it, even after matches (scenario 5)', async () => {
      const token = await represented();
      const left = [];
      for (let i = 0; i < 3; i++) left.push(body(await check(token, TOM)).attemptsLeft);
      expect(left).toEqual([2, 1, 0]);
      expect((await h.request('GET', 'Task/task-3a', token)).statusCode).toBe(200);
      expect(body(await check(token, TOM))).toEqual(UNIFORM_MISMATCH);
      expect(issueCode(await h.request('GET', 'Task/task-3a', token))).toBe('security');
    });

    it('counts attempts per grant: a fresh token of the same grant shares the counter and the lock', async () => {
      const grant = randomToken();
      await check(await represented({ grant_id: grant }), KOOS);
      const refreshed = await represented({ grant_id: grant });
      expect(body(await check(refreshed, TOM))).toEqual(UNIFORM_MISMATCH);
      expect((await h.request('GET', 'Task/task-3a', refreshed)).statusCode).toBe(403);
    });

    it('gates a derived (module) token by the check of the grant it came from (`identity_grant`)', async () => {
      const collectGrant = randomToken();
      const moduleToken = await h.moduleToken('task-3a', { representation: true, identity_grant: collectGrant });
      expect(issueCode(await h.request('GET', 'Task/task-3a', moduleToken))).toBe('security');
      await check(await represented({ grant_id: collectGrant }), TOM);
      expect((await h.request('GET', 'Task/task-3a', moduleToken)).statusCode).toBe(200);
    });

    it('locks a module out by its own wrong checks, never the collect grant it derives from (decision I90)', async () => {
      const collectGrant = randomToken();
      const derived = { representation: true as const, identity_grant: collectGrant };
      const moduleToken = await h.moduleToken('task-3a', { ...derived, grant_id: randomToken() });
      for (let i = 0; i < 4; i++) expect(body(await check(moduleToken, KOOS))).toEqual(UNIFORM_MISMATCH);
      // the PGO's own check with its collect token still works, and opens the gate for its grant
      const collect = await represented({ grant_id: collectGrant });
      expect(body(await check(collect, TOM))).toEqual({ identity: 'match', attemptsLeft: 2 });
      expect((await h.request('GET', 'Task/task-3a', collect)).statusCode).toBe(200);
      // the module that guessed stays locked in its own launch; another launch from the grant is not
      expect(issueCode(await h.request('GET', 'Task/task-3a', moduleToken))).toBe('security');
      const next = await h.moduleToken('task-3a', { ...derived, grant_id: randomToken() });
      expect((await h.request('GET', 'Task/task-3a', next)).statusCode).toBe(200);
    });

    it('locks every token derived from a collect grant whose holder\'s check mismatched', async () => {
      const collectGrant = randomToken();
      await check(await represented({ grant_id: collectGrant }), KOOS);
      const moduleToken = await h.moduleToken('task-3a', { representation: true, identity_grant: collectGrant, grant_id: randomToken() });
      expect(issueCode(await h.request('GET', 'Task/task-3a', moduleToken))).toBe('security');
      expect(body(await check(moduleToken, TOM))).toEqual(UNIFORM_MISMATCH);
    });

    it('does the same store operations for every kind of mismatch', async () => {
      const fresh = await storeOperations(h.store, async () => void (await check(await represented(), KOOS)));
      const locked = await represented();
      await check(locked, KOOS);
      const again = await storeOperations(h.store, async () => void (await check(locked, TOM)));
      const exhausted = await represented();
      for (let i = 0; i < 3; i++) await check(exhausted, { family: 'van Duinen' });
      const over = await storeOperations(h.store, async () => void (await check(exhausted, TOM)));
      expect(fresh).toContain('set');
      expect(again).toEqual(fresh);
      expect(over).toEqual(fresh);
    });
  });

  describe('availability', () => {
    it('answers for the types the token may search, when no check is required', async () => {
      const response = await check(await h.token({ grant_id: randomToken() }), undefined, ['availability']);
      expect(body(response)).toEqual({ availability: { Task: true, ServiceRequest: true } });
    });

    it('says nothing about availability before the required check matched', async () => {
      expect(body(await check(await represented(), undefined, ['availability']))).toEqual({});
      expect(body(await check(await represented(), KOOS, ['identity', 'availability']))).toEqual(UNIFORM_MISMATCH);
    });

    it('reports false for a type the patient has nothing of', async () => {
      const token = await h.token({ grant_id: randomToken(), patient: 'pat-bakker', scope: 'patient/Task.read patient/Observation.read' });
      expect(body(await check(token, undefined, ['availability']))).toEqual({ availability: { Task: false, Observation: false } });
    });
  });

  describe('requests', () => {
    it.each([
      ['no checks', { person: TOM, checks: [] }],
      ['an unknown check', { person: TOM, checks: ['receptiveness'] }],
      ['identity without a person', { checks: ['identity'] }],
      ['an unknown person member', { person: { ...TOM, address: 'Dorpsstraat 1' }, checks: ['identity'] }],
      ['a given name that is not a list', { person: { ...TOM, given: 'Erik' }, checks: ['identity'] }],
    ])('refuses %s with 400 invalid, without counting an attempt', async (_name, payload) => {
      const token = await represented();
      const response = await h.request('POST', 'userinfo', token, { payload });
      expect(response.statusCode).toBe(400);
      expect(issueCode(response)).toBe('invalid');
      expect(body(await check(token, TOM)).attemptsLeft).toBe(2);
    });

    it('needs a token (401) and a patient token (403)', async () => {
      expect((await h.request('POST', 'userinfo', undefined, { payload: { person: TOM, checks: ['identity'] } })).statusCode).toBe(401);
      const system = await h.token({ client_id: 'dva-auth', scope: 'system/Task.read', patient: undefined });
      const response = await check(system, TOM);
      expect(response.statusCode).toBe(403);
      expect(issueCode(response)).toBe('forbidden');
    });

    it('accepts a DPoP-bound token with a proof for the endpoint\'s URL', async () => {
      const key = await generateDpopKey();
      const token = await represented({ cnf: { jkt: key.jkt } });
      const proof = await createDpopProof({ key, htm: 'POST', htu: `${h.config.fhirUrl}/userinfo`, accessToken: token });
      const response = await h.app.inject({
        method: 'POST',
        url: '/fhir/userinfo',
        headers: { authorization: `DPoP ${token}`, dpop: proof },
        payload: { person: TOM, checks: ['identity'] },
      });
      expect(body(response)).toEqual({ identity: 'match', attemptsLeft: 2 });
    });
  });

  describe('the audit trail', () => {
    it('records every check with field names only, never the values', async () => {
      const token = await represented({ act: { sub: 'pseudonym-of-anna' } });
      await check(token, KOOS);
      const seq = (await h.store.get<number>('audit:seq'))!;
      const event = await h.store.get<Record<string, unknown>>(`audit:event:${seq}`);
      expect(event).toMatchObject({
        type: 'identity-check',
        outcome: 'failure',
        client_id: 'pgo-demo',
        act: ['pseudonym-of-anna'],
        identity: 'mismatch',
        fields: ['birthDate', 'bsn', 'family', 'given'],
      });
      const text = JSON.stringify(event);
      for (const value of [KOOS.bsn, KOOS.birthDate, 'Groot', 'Jacobus', TOM.bsn, 'Duinen']) expect(text).not.toContain(value);
    });
  });
});

describe('identity-check switches', () => {
  let h: Harness | undefined;
  afterEach(() => h?.close());
  const check = (token: string, person: unknown) => h!.request('POST', h!.config.identityCheck.path, token, { payload: { person, checks: ['identity'] } });

  it('IDENTITY_CHECK=representation (default): a token without representation is not gated', async () => {
    h = await harness();
    expect((await h.request('GET', 'Task/task-3a', await h.token({ grant_id: randomToken() }))).statusCode).toBe(200);
  });

  it('IDENTITY_CHECK=always: every patient token is gated until match', async () => {
    h = await harness({ IDENTITY_CHECK: 'always' });
    const token = await h.token({ grant_id: randomToken() });
    expect(issueCode(await h.request('GET', 'Task/task-3a', token))).toBe('security');
    await check(token, TOM);
    expect((await h.request('GET', 'Task/task-3a', token)).statusCode).toBe(200);
  });

  it('IDENTITY_CHECK=always: a module token derived from no collect grant (option 3b, level S) is not gated (decision I39)', async () => {
    h = await harness({ IDENTITY_CHECK: 'always' });
    const launchedAtTheDva = await h.moduleToken('task-3a', { grant_id: randomToken(), representation: true });
    expect((await h.request('GET', 'Task/task-3a', launchedAtTheDva)).statusCode).toBe(200);
    // the same token naming the collect grant it derives from waits for that grant's check
    const derived = await h.moduleToken('task-3a', { grant_id: randomToken(), representation: true, identity_grant: randomToken() });
    expect(issueCode(await h.request('GET', 'Task/task-3a', derived))).toBe('security');
  });

  it('IDENTITY_CHECK=off: no token is gated, but a mismatch still locks', async () => {
    h = await harness({ IDENTITY_CHECK: 'off' });
    const token = await h.token({ grant_id: randomToken(), representation: true });
    expect((await h.request('GET', 'Task/task-3a', token)).statusCode).toBe(200);
    expect(body(await check(token, KOOS))).toEqual(UNIFORM_MISMATCH);
    expect(issueCode(await h.request('GET', 'Task/task-3a', token))).toBe('security');
  });

  it('IDENTITY_CHECK_REQUIRED=false: the gate stays open until a mismatch', async () => {
    h = await harness({ IDENTITY_CHECK_REQUIRED: 'false' });
    const token = await h.token({ grant_id: randomToken(), representation: true });
    expect((await h.request('GET', 'Task/task-3a', token)).statusCode).toBe(200);
    expect(body(await check(token, { family: 'van Duinen' })).identity).toBe('insufficient-data');
    expect((await h.request('GET', 'Task/task-3a', token)).statusCode).toBe(200);
    await check(token, KOOS);
    expect(issueCode(await h.request('GET', 'Task/task-3a', token))).toBe('security');
  });

  it('IDENTITY_CHECK_ATTEMPTS: the limit per grant', async () => {
    h = await harness({ IDENTITY_CHECK_ATTEMPTS: '1' });
    const token = await h.token({ grant_id: randomToken(), representation: true });
    expect(body(await check(token, TOM))).toEqual({ identity: 'match', attemptsLeft: 0 });
    expect(body(await check(token, TOM))).toEqual(UNIFORM_MISMATCH);
  });

  it('IDENTITY_CHECK_FIELDS: with `bsn` required, demographics alone are insufficient', async () => {
    h = await harness({ IDENTITY_CHECK_FIELDS: 'bsn' });
    const { bsn: _bsn, ...withoutBsn } = TOM;
    expect(body(await check(await h.token({ grant_id: randomToken(), representation: true }), withoutBsn)).identity).toBe('insufficient-data');
    expect(body(await check(await h.token({ grant_id: randomToken(), representation: true }), TOM)).identity).toBe('match');
  });

  it('IDENTITY_CHECK_FIELDS: with initials required, a person without them is insufficient', async () => {
    h = await harness({ IDENTITY_CHECK_FIELDS: 'birthDate,family,initials' });
    const person = { family: 'van Duinen', birthDate: '1961-08-02' };
    expect(body(await check(await h.token({ grant_id: randomToken(), representation: true }), person)).identity).toBe('insufficient-data');
    expect(body(await check(await h.token({ grant_id: randomToken(), representation: true }), { ...person, initials: 'E.' })).identity).toBe('match');
  });

  it('IDENTITY_CHECK_PATH: the endpoint moves', async () => {
    h = await harness({ IDENTITY_CHECK_PATH: 'identity-check' });
    const token = await h.token({ grant_id: randomToken(), representation: true });
    expect(body(await check(token, TOM)).identity).toBe('match');
    expect((await h.request('POST', 'userinfo', token, { payload: { person: TOM, checks: ['identity'] } })).statusCode).toBe(404);
  });

  it('IDENTITY_CHECK_TTL: how long the attempts, the match and the lock of a grant are kept', async () => {
    h = await harness({ IDENTITY_CHECK_TTL: '77' });
    const ttls: number[] = [];
    const { increment, set } = h.store;
    h.store.increment = (key, ttl) => (key.startsWith('identity-check:') && ttls.push(ttl), increment.call(h!.store, key, ttl));
    h.store.set = (key, value, ttl) => (key.startsWith('identity-check:') && ttls.push(ttl), set.call(h!.store, key, value, ttl));
    const token = await h.token({ grant_id: randomToken(), representation: true });
    await check(token, TOM);
    await check(token, KOOS);
    expect(ttls).toEqual([77, 77, 77, 77]); // two attempts, the match, the lock
  });

  it.each([
    ['IDENTITY_CHECK_PATH', 'Task'],
    ['IDENTITY_CHECK_PATH', '../userinfo'],
    ['IDENTITY_CHECK_FIELDS', 'birthDate,address'],
    ['IDENTITY_CHECK_ATTEMPTS', '0'],
    ['IDENTITY_CHECK', 'sometimes'],
  ])('refuses %s=%s', (name, value) => {
    expect(() => loadDvaFhirConfig({ [name]: value })).toThrow(name);
  });
});

describe('IdentityCheck and its data store', () => {
  it('costs no attempt when the DVA\'s record cannot be read (503)', async () => {
    const data = new MemoryFhirData([{ resourceType: 'Patient', id: 'p', name: [{ family: 'van Duinen' }], birthDate: '1961-08-02' }]);
    const identity = new IdentityCheck(loadDvaFhirConfig({}).identityCheck, new MemoryStore(), data);
    const access = { kind: 'collect', patient: 'p', claims: { grant_id: 'g', representation: true } } as unknown as Access;
    const read = data.read.bind(data);
    data.read = () => Promise.reject(dataUnavailable());
    await expect(identity.check(access, TOM)).rejects.toMatchObject({ status: 503 });
    data.read = read;
    expect((await identity.check(access, TOM)).verdict).toEqual({ identity: 'match', attemptsLeft: 2 });
  });
});

describe('dvaIdentity', () => {
  it('takes the BSN, the official name and the birth date of a Patient', () => {
    const patient = {
      resourceType: 'Patient',
      id: 'p',
      identifier: [{ system: 'urn:other', value: 'x' }, { system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: '999990020' }],
      name: [{ use: 'usual', given: ['Tom'] }, { use: 'official', family: 'van Duinen', given: ['Erik'] }],
      birthDate: '1961-08-02',
    };
    expect(dvaIdentity(patient)).toEqual(TOM);
  });

  it('is empty for a missing Patient and leaves out what the record lacks', () => {
    expect(dvaIdentity(undefined)).toEqual({});
    expect(dvaIdentity({ resourceType: 'Patient', id: 'p', name: [{ family: 'Bakker' }] })).toEqual({ family: 'Bakker' });
  });
});

/** The names of the store operations `action` performs, in order. */
async function storeOperations(store: KeyValueStore, action: () => Promise<void>): Promise<string[]> {
  const calls: string[] = [];
  const methods = ['get', 'set', 'setIfAbsent', 'take', 'delete', 'increment'] as const;
  const originals = methods.map((m) => store[m]);
  for (const [i, m] of methods.entries()) {
    (store as unknown as Record<string, unknown>)[m] = (...args: unknown[]) => {
      calls.push(m);
      return (originals[i] as (...a: unknown[]) => unknown).apply(store, args);
    };
  }
  try {
    await action();
  } finally {
    for (const [i, m] of methods.entries()) (store as unknown as Record<string, unknown>)[m] = originals[i];
  }
  return calls;
}
