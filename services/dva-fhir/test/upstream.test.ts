/**
 * Upstream mode (`FHIR_UPSTREAM_URL`, docs/decisions.md I92): dva-fhir in front of another FHIR
 * server, here a second dva-fhir on its own data that accepts dva-fhir's static system token.
 * Reads, searches, a Task PATCH and a create pass the Koppelmij layer and reach the upstream.
 */
import type { AddressInfo } from 'node:net';
import { randomToken } from '@koppelmij/core/util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDvaFhirConfig } from '../src/config.ts';
import { body, FHIR_JSON, harness, issueCode, KOOS, statusPatch, TOM, type Harness } from './support.ts';

/** A second dva-fhir listening on a free port, and a system token for it. */
async function startUpstream(): Promise<{ upstream: Harness; url: string; token: string }> {
  const upstream = await harness();
  await upstream.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = upstream.app.server.address() as AddressInfo;
  const now = Math.floor(Date.now() / 1000);
  const token = await upstream.token({ client_id: 'dva-auth', scope: 'system/*.cruds', patient: undefined, exp: now + 3600 });
  return { upstream, url: `http://127.0.0.1:${port}/fhir`, token };
}

describe('upstream mode (FHIR_UPSTREAM_URL)', () => {
  let upstream: Harness;
  let front: Harness;
  let system: string;
  let upstreamUrl: string;
  beforeAll(async () => {
    const started = await startUpstream();
    upstream = started.upstream;
    system = started.token;
    upstreamUrl = started.url;
    front = await harness({ FHIR_UPSTREAM_URL: started.url, FHIR_UPSTREAM_TOKEN: started.token });
  });
  afterAll(async () => {
    await front.close();
    await upstream.close();
  });

  it('reads through the Koppelmij layer: the upstream\'s resource, only within the token\'s compartment', async () => {
    const read = await front.request('GET', 'Task/task-3a', await front.token());
    expect(read.statusCode).toBe(200);
    expect(body(read)).toEqual(body(await upstream.request('GET', 'Task/task-3a', system)));
    expect(read.headers.etag).toBe('W/"1"');
    // the upstream serves anything to dva-fhir; the layer keeps Koos's Task from Tom's token
    expect((await front.request('GET', 'Task/task-de-groot', await front.token())).statusCode).toBe(404);
    expect((await front.request('GET', 'Task/task-1', await front.moduleToken('task-3a'))).statusCode).toBe(404);
    expect((await front.request('GET', 'Task/task-3a', undefined)).statusCode).toBe(401);
    // the front's AuditEvents are kept upstream, with the rest of the record
    const trail = body(await upstream.request('GET', `AuditEvent?patient=Patient/${TOM}`, system)).entry as Array<{ resource: { entity: unknown[] } }>;
    expect(trail.some((e) => JSON.stringify(e.resource.entity).includes('Task/task-3a'))).toBe(true);
  });

  it('rewrites references under the upstream\'s base, so the compartment still holds', async () => {
    const absolute = { resourceType: 'Observation', status: 'final', code: { text: 'weight' }, subject: { reference: `${upstreamUrl}/Patient/${TOM}` } };
    const created = await upstream.request('POST', 'Observation', system, { headers: FHIR_JSON, payload: JSON.stringify(absolute) });
    const id = body(created).id as string;
    const read = await front.request('GET', `Observation/${id}`, await front.token({ scope: 'patient/Observation.rs' }));
    expect(read.statusCode).toBe(200);
    expect(body(read).subject).toEqual({ reference: `${front.config.fhirUrl}/Patient/${TOM}` });
    expect((await front.request('GET', `Observation/${id}`, await front.token({ patient: KOOS, scope: 'patient/Observation.rs' }))).statusCode).toBe(404);
  });

  it('searches upstream and keeps only what the token may see', async () => {
    const tasks = (token: string, query: string) => front.request('GET', `Task?${query}`, token).then((r) => body(r).entry as Array<{ resource: { id: string } }>);
    const toms = await tasks(await front.token(), `owner=Patient/${TOM}`);
    expect(toms.map((e) => e.resource.id)).toContain('task-3a');
    expect(toms.map((e) => e.resource.id)).not.toContain('task-de-groot');
    const kooss = await tasks(await front.token({ patient: KOOS }), 'status=requested');
    expect(kooss.map((e) => e.resource.id)).toEqual(['task-de-groot']);
    const unknown = await front.request('GET', 'Task?colour=red', await front.token());
    expect(issueCode(unknown)).toBe('not-supported');
  });

  it('lets the module PATCH its launch Task upstream, versioned with If-Match', async () => {
    const token = await front.moduleToken('task-2b');
    const patch = (status: string, ifMatch: string) =>
      front.request('PATCH', 'Task/task-2b', token, { headers: { ...FHIR_JSON, 'if-match': ifMatch }, payload: JSON.stringify(statusPatch(status)) });
    const started = await patch('in-progress', 'W/"1"');
    expect(started.statusCode).toBe(200);
    expect(body(started)).toMatchObject({ status: 'in-progress', meta: { versionId: '2' } });
    expect(body(await upstream.request('GET', 'Task/task-2b', system))).toMatchObject({ status: 'in-progress', meta: { versionId: '2' } });
    expect((await patch('completed', 'W/"1"')).statusCode).toBe(412);
    const forbidden = await front.request('PATCH', 'Task/task-3a', token, { headers: FHIR_JSON, payload: JSON.stringify(statusPatch('in-progress')) });
    expect(forbidden.statusCode).toBe(404);
  });

  it('creates the module\'s result upstream', async () => {
    const observation = { resourceType: 'Observation', status: 'final', code: { text: 'bp' }, subject: { reference: `Patient/${TOM}` } };
    const created = await front.request('POST', 'Observation', await front.moduleToken(), { headers: FHIR_JSON, payload: JSON.stringify(observation) });
    expect(created.statusCode).toBe(201);
    const id = body(created).id as string;
    expect(body(await upstream.request('GET', `Observation/${id}`, system))).toMatchObject({ status: 'final', subject: { reference: `Patient/${TOM}` } });
  });

  it('runs the identity check on the upstream\'s Patient and gates the data', async () => {
    const token = await front.token({ representation: true, grant_id: randomToken() });
    expect(issueCode(await front.request('GET', 'Task/task-3a', token))).toBe('security');
    const person = { bsn: '999990020', family: 'van Duinen', given: ['Erik'], birthDate: '1961-08-02' };
    const check = await front.request('POST', 'userinfo', token, { payload: { person, checks: ['identity'] } });
    expect(body(check)).toEqual({ identity: 'match', attemptsLeft: 2 });
    expect((await front.request('GET', 'Task/task-3a', token)).statusCode).toBe(200);
  });
});

describe('upstream mode failures (fail closed)', () => {
  it('answers 503 when the upstream refuses dva-fhir or is gone', async () => {
    const { upstream, url } = await startUpstream();
    const front = await harness({ FHIR_UPSTREAM_URL: url }); // no token: the upstream answers 401
    try {
      const refused = await front.request('GET', 'Task/task-3a', await front.token());
      expect(refused.statusCode).toBe(503);
      expect(issueCode(refused)).toBe('transient');
      await upstream.close();
      const gone = await front.request('GET', 'Task?status=requested', await front.token());
      expect(gone.statusCode).toBe(503);
      expect(issueCode(gone)).toBe('transient');
    } finally {
      await front.close();
      await upstream.close();
    }
  });

  it('refuses a configuration with both a database and an upstream, or an upstream token alone', () => {
    expect(() => loadDvaFhirConfig({ FHIR_DATABASE_URL: 'postgres://db/fhir', FHIR_UPSTREAM_URL: 'https://fhir.vendor.example/r4' })).toThrow('FHIR_UPSTREAM_URL');
    expect(() => loadDvaFhirConfig({ FHIR_UPSTREAM_TOKEN: 'x' })).toThrow('FHIR_UPSTREAM_TOKEN');
  });
});
