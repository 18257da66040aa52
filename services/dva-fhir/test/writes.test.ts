import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { body, FHIR_JSON, harness, issueCode, KOOS, statusPatch, TOM, type Harness } from './support.ts';

const observation = (patient = TOM) => ({
  resourceType: 'Observation',
  id: 'client-chosen',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '85354-9', display: 'Blood pressure panel' }] },
  subject: { reference: `Patient/${patient}` },
});

const outputPatch = {
  resourceType: 'Parameters',
  parameter: [
    { name: 'operation', part: [
      { name: 'type', valueCode: 'add' },
      { name: 'path', valueString: 'Task' },
      { name: 'name', valueString: 'output' },
      { name: 'value', part: [
        { name: 'type', valueCodeableConcept: { text: 'questionnaire-response' } },
        { name: 'valueReference', valueReference: { reference: 'QuestionnaireResponse/abc-123' } },
      ] },
    ] },
  ],
};

describe('dva-fhir writes (docs/protocol.md §4.8; §8 items 20–22)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
  });
  afterAll(() => h.close());

  const patch = async (task: string, payload: unknown, token: string, headers: Record<string, string> = {}) =>
    h.request('PATCH', `Task/${task}`, token, { headers: { ...FHIR_JSON, ...headers }, payload: JSON.stringify(payload) });

  it('lets the module move its launch Task requested → in-progress → completed, and no further', async () => {
    const token = await h.moduleToken('task-2a');
    const started = await patch('task-2a', statusPatch('in-progress'), token);
    expect(started.statusCode).toBe(200);
    expect(body(started)).toMatchObject({ id: 'task-2a', status: 'in-progress', meta: { versionId: '2' } });
    expect(started.headers.etag).toBe('W/"2"');

    const done = await patch('task-2a', statusPatch('completed'), token);
    expect(done.statusCode).toBe(200);
    expect(body(done)).toMatchObject({ status: 'completed' });

    const back = await patch('task-2a', statusPatch('requested'), token);
    expect(back.statusCode).toBe(422);
    expect(issueCode(back)).toBe('business-rule');
    expect(body(await h.request('GET', 'Task/task-2a', token))).toMatchObject({ status: 'completed', meta: { versionId: '3' } });
  });

  it('adds an output reference together with the status change', async () => {
    const token = await h.moduleToken('task-3a-secret');
    const both = { ...outputPatch, parameter: [...statusPatch('in-progress').parameter as unknown[], ...outputPatch.parameter] };
    const response = await patch('task-3a-secret', both, token);
    expect(response.statusCode).toBe(200);
    expect(body(response)).toMatchObject({
      status: 'in-progress',
      output: [{ type: { text: 'questionnaire-response' }, valueReference: { reference: 'QuestionnaireResponse/abc-123' } }],
    });
  });

  it('answers 422 for a patch of any other path (docs/protocol.md §8 item 21), changing nothing', async () => {
    const token = await h.moduleToken('task-3a');
    const owner = {
      resourceType: 'Parameters',
      parameter: [{ name: 'operation', part: [
        { name: 'type', valueCode: 'replace' },
        { name: 'path', valueString: 'Task.owner' },
        { name: 'value', valueReference: { reference: `Patient/${KOOS}` } },
      ] }],
    };
    const response = await patch('task-3a', owner, token);
    expect(response.statusCode).toBe(422);
    expect(issueCode(response)).toBe('business-rule');
    expect(body(await h.request('GET', 'Task/task-3a', token))).toMatchObject({ owner: { reference: `Patient/${TOM}` }, meta: { versionId: '1' } });
  });

  it('answers 400 for a body that is not a FHIRPath Patch', async () => {
    const response = await patch('task-3a', { resourceType: 'Task', status: 'completed' }, await h.moduleToken('task-3a'));
    expect(response.statusCode).toBe(400);
    expect(issueCode(response)).toBe('invalid');
  });

  it('answers 412 when If-Match names an older version', async () => {
    const response = await patch('task-3a', statusPatch('received'), await h.moduleToken('task-3a'), { 'if-match': 'W/"7"' });
    expect(response.statusCode).toBe(412);
    expect(issueCode(response)).toBe('conflict');
  });

  it('refuses a PATCH of a Task outside the launch (404: not visible)', async () => {
    const response = await patch('task-1', statusPatch('in-progress'), await h.moduleToken('task-3a'));
    expect(response.statusCode).toBe(404);
    expect(issueCode(response)).toBe('not-found');
  });

  it('refuses a PATCH by the collect token without write scope (403 insufficient_scope)', async () => {
    const response = await patch('task-1', statusPatch('in-progress'), await h.token());
    expect(response.statusCode).toBe(403);
    expect(issueCode(response)).toBe('forbidden');
    expect(response.headers['www-authenticate']?.[0]).toContain('error="insufficient_scope"');
  });

  it('refuses a PATCH by a collect token even with a write scope (docs/protocol.md §8 item 22)', async () => {
    const response = await patch('task-1', statusPatch('in-progress'), await h.token({ scope: 'patient/Task.write patient/Task.read' }));
    expect(response.statusCode).toBe(403);
    expect(issueCode(response)).toBe('forbidden');
    expect(response.headers['www-authenticate']).toBeUndefined();
  });

  it('refuses a PATCH by a module without patient/Task.write', async () => {
    const response = await patch('task-3a', statusPatch('in-progress'), await h.moduleToken('task-3a', { scope: 'launch patient/*.read' }));
    expect(response.statusCode).toBe(403);
    expect(issueCode(response)).toBe('forbidden');
  });

  it('refuses a PUT by a module (Task changes go through PATCH)', async () => {
    const token = await h.moduleToken('task-3a');
    const task = body(await h.request('GET', 'Task/task-3a', token));
    const response = await h.request('PUT', 'Task/task-3a', token, { headers: FHIR_JSON, payload: JSON.stringify({ ...task, status: 'completed' }) });
    expect(response.statusCode).toBe(403);
    expect(issueCode(response)).toBe('forbidden');
  });

  it('creates an Observation for the launch patient: 201, server-assigned id, Location', async () => {
    const response = await h.request('POST', 'Observation', await h.moduleToken('task-3a'), { headers: FHIR_JSON, payload: JSON.stringify(observation()) });
    expect(response.statusCode).toBe(201);
    const created = body(response) as { id: string };
    expect(created.id).not.toBe('client-chosen');
    expect(response.headers.location).toBe(`${h.config.fhirUrl}/Observation/${created.id}/_history/1`);
  });

  it('refuses to create an Observation for another patient', async () => {
    const response = await h.request('POST', 'Observation', await h.moduleToken('task-3a'), { headers: FHIR_JSON, payload: JSON.stringify(observation(KOOS)) });
    expect(response.statusCode).toBe(403);
    expect(issueCode(response)).toBe('forbidden');
  });

  it('refuses to let a module create a Task', async () => {
    const token = await h.moduleToken('task-3a', { scope: 'patient/*.read patient/*.write' });
    const task = { resourceType: 'Task', status: 'requested', intent: 'order', for: { reference: `Patient/${TOM}` } };
    const response = await h.request('POST', 'Task', token, { headers: FHIR_JSON, payload: JSON.stringify(task) });
    expect(response.statusCode).toBe(403);
    expect(issueCode(response)).toBe('forbidden');
  });

  it('answers 400 OperationOutcome for malformed JSON, never 500', async () => {
    const response = await h.request('POST', 'Observation', await h.moduleToken('task-3a'), { headers: FHIR_JSON, payload: '{"resourceType":' });
    expect(response.statusCode).toBe(400);
    expect(issueCode(response)).toBe('invalid');
    expect(response.headers['content-type']).toMatch(/^application\/fhir\+json/);
  });

  it('answers 400 when the body\'s resourceType does not match the URL', async () => {
    const response = await h.request('POST', 'QuestionnaireResponse', await h.moduleToken('task-3a'), { headers: FHIR_JSON, payload: JSON.stringify(observation()) });
    expect(response.statusCode).toBe(400);
    expect(issueCode(response)).toBe('invalid');
  });

  it('answers 400 for a JSON body that is not an object', async () => {
    const response = await h.request('POST', 'Observation', await h.moduleToken('task-3a'), { headers: FHIR_JSON, payload: '[1,2]' });
    expect(response.statusCode).toBe(400);
    expect(issueCode(response)).toBe('invalid');
  });

  describe('system token', () => {
    const system = () => h.token({ client_id: 'dva-auth', sub: 'dva-auth', patient: undefined, scope: 'system/Task.read system/Task.write' });

    it('updates a Task with a matching If-Match, and answers 412 for a stale one', async () => {
      const token = await system();
      const task = body(await h.request('GET', 'Task/task-de-groot', token));
      const updated = await h.request('PUT', 'Task/task-de-groot', token, {
        headers: { ...FHIR_JSON, 'if-match': 'W/"1"' },
        payload: JSON.stringify({ ...task, description: 'Aangepast' }),
      });
      expect(updated.statusCode).toBe(200);
      expect(body(updated)).toMatchObject({ description: 'Aangepast', meta: { versionId: '2' } });
      const stale = await h.request('PUT', 'Task/task-de-groot', token, { headers: { ...FHIR_JSON, 'if-match': 'W/"1"' }, payload: JSON.stringify(task) });
      expect(stale.statusCode).toBe(412);
      expect(issueCode(stale)).toBe('conflict');
    });

    it('answers 400 when the body id differs from the URL', async () => {
      const response = await h.request('PUT', 'Task/task-de-groot', await system(), { headers: FHIR_JSON, payload: JSON.stringify({ resourceType: 'Task', id: 'task-3a' }) });
      expect(response.statusCode).toBe(400);
      expect(issueCode(response)).toBe('invalid');
    });
  });
});
