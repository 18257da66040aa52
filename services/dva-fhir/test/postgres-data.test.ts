/**
 * The PostgreSQL data store (docs/decisions.md I91): shared by instances, durable across a
 * rebuild, optimistic versions, the seed loaded once, and 503 when the database is gone.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadDvaFhirConfig } from '../src/config.ts';
import { PostgresFhirData } from '../src/data/postgres-data.ts';
import { VersionConflict } from '../src/data/fhir-data.ts';
import { loadBundle } from '../src/data/seed.ts';
import { createTestDatabase, postgresOrSkip, type TestDatabase } from './postgres.ts';
import { body, FHIR, FHIR_JSON, harness, issueCode, statusPatch, TOM, type Harness } from './support.ts';

const available = await postgresOrSkip('PostgreSQL data store');

describe.runIf(available)('the PostgreSQL data store (FHIR_DATABASE_URL)', () => {
  let db: TestDatabase;
  const open: Harness[] = [];
  const instance = async () => {
    const h = await harness({ FHIR_DATABASE_URL: db.url });
    open.push(h);
    return h;
  };
  const patch = (h: Harness, token: string, status: string, headers: Record<string, string> = {}) =>
    h.request('PATCH', 'Task/task-3a', token, { headers: { ...FHIR_JSON, ...headers }, payload: JSON.stringify(statusPatch(status)) });

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterEach(async () => {
    for (const h of open.splice(0)) await h.close();
  });
  afterAll(() => db.drop());

  it('shares writes between instances and keeps them across a rebuild, without seeding again', async () => {
    const [a, b] = await Promise.all([instance(), instance()]); // both seed at once: idempotent
    expect((await patch(a, await a.moduleToken(), 'in-progress')).statusCode).toBe(200);
    const observation = { resourceType: 'Observation', status: 'final', code: { text: 'bp' }, subject: { reference: `Patient/${TOM}` } };
    const created = await b.request('POST', 'Observation', await b.moduleToken(), { headers: FHIR_JSON, payload: JSON.stringify(observation) });
    expect(created.statusCode).toBe(201);

    expect(body(await b.request('GET', 'Task/task-3a', await b.token()))).toMatchObject({ status: 'in-progress', meta: { versionId: '2' } });
    expect((await a.request('GET', `Observation/${body(created).id as string}`, await a.token({ scope: 'patient/Observation.rs' }))).statusCode).toBe(200);

    await a.close();
    await b.close();
    open.length = 0;
    const c = await instance();
    expect(body(await c.request('GET', 'Task/task-3a', await c.token()))).toMatchObject({ status: 'in-progress', meta: { versionId: '2' } });
    const search = body(await c.request('GET', 'Observation', await c.token({ scope: 'patient/Observation.rs' })));
    expect(search.total).toBe(1);
  });

  it('lets one of two concurrent PATCHes of a Task win on two instances; the other gets 412', async () => {
    const [a, b] = await Promise.all([instance(), instance()]);
    const current = body(await a.request('GET', 'Task/task-3a', await a.token())).meta as { versionId: string };
    const ifMatch = { 'if-match': `W/"${current.versionId}"` };
    const answers = await Promise.all([patch(a, await a.moduleToken(), 'cancelled', ifMatch), patch(b, await b.moduleToken(), 'cancelled', ifMatch)]);
    expect(answers.map((r) => r.statusCode).sort()).toEqual([200, 412]);
    expect(issueCode(answers.find((r) => r.statusCode === 412)!)).toBe('conflict');
  });

  it('writes only over the version read: a second writer of the same version gets a VersionConflict (409)', async () => {
    const config = loadDvaFhirConfig({});
    const seed = loadBundle(config.bundlePath, config.placeholders);
    const [one, two] = await Promise.all([PostgresFhirData.open(db.url, { fhirBase: FHIR, seed }), PostgresFhirData.open(db.url, { fhirBase: FHIR, seed })]);
    try {
      const task = (await one.read('Task', 'task-1'))!;
      const versionId = task.meta!.versionId!;
      const results = await Promise.allSettled([one.update({ ...task, status: 'accepted' }, versionId), two.update({ ...task, status: 'cancelled' }, versionId)]);
      expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      const error = results.find((r) => r.status === 'rejected')!.reason as VersionConflict;
      expect(error).toBeInstanceOf(VersionConflict);
      expect(error.status).toBe(409);
      expect((await two.read('Task', 'task-1'))!.meta!.versionId).toBe(String(Number(versionId) + 1));
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });

  it('answers 503 transient when the database is gone (fail closed)', async () => {
    const own = await createTestDatabase();
    const h = await harness({ FHIR_DATABASE_URL: own.url });
    open.push(h);
    const token = await h.moduleToken();
    expect((await h.request('GET', 'Task/task-3a', token)).statusCode).toBe(200);
    await own.drop();
    for (const response of [await h.request('GET', 'Task/task-3a', token), await patch(h, token, 'in-progress')]) {
      expect(response.statusCode).toBe(503);
      expect(response.headers['content-type']).toMatch(/^application\/fhir\+json/);
      expect(issueCode(response)).toBe('transient');
    }
  });

  it('answers 400 for a value PostgreSQL cannot hold, storing nothing', async () => {
    const h = await instance();
    const observation = { resourceType: 'Observation', status: 'final', code: { text: 'bad\u0000text' }, subject: { reference: `Patient/${TOM}` } };
    const response = await h.request('POST', 'Observation', await h.moduleToken(), { headers: FHIR_JSON, payload: JSON.stringify(observation) });
    expect(response.statusCode).toBe(400);
    expect(issueCode(response)).toBe('invalid');
  });

  it('refuses to start without its database', async () => {
    const url = new URL(db.url);
    url.pathname = '/koppelmij_fhir_missing';
    await expect(harness({ FHIR_DATABASE_URL: url.toString() })).rejects.toThrow(/koppelmij_fhir_missing/);
  });
});
