import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { body, harness, issueCode, KOOS, type Harness } from './support.ts';

type Bundle = { type: string; total: number; entry: Array<{ fullUrl: string; resource: { resourceType: string; id: string } }> };
const ids = (response: { json(): unknown }) => (response.json() as Bundle).entry.map((e) => e.resource.id);

describe('dva-fhir reads and searches (docs/protocol.md §1.2, §4.1, §8 item 20)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
  });
  afterAll(() => h.close());

  describe('collect token (the PGO, patient/… read scopes)', () => {
    it('reads the patient\'s Task with an ETag of its version', async () => {
      const response = await h.request('GET', 'Task/task-1', await h.token());
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toMatch(/^application\/fhir\+json/);
      expect(response.headers.etag).toBe('W/"1"');
      expect(body(response)).toMatchObject({ id: 'task-1', meta: { versionId: '1' }, status: 'requested' });
    });

    it('searches Task?owner=Patient/{id} (the PGO\'s collect query) as a searchset Bundle', async () => {
      const response = await h.request('GET', 'Task?owner=Patient/pat-van-duinen', await h.token());
      expect(response.statusCode).toBe(200);
      const bundle = response.json() as Bundle;
      expect(bundle.type).toBe('searchset');
      expect(ids(response).sort()).toEqual(['task-1', 'task-2a', 'task-2b', 'task-3a', 'task-3a-secret', 'task-3b', 'task-inactive', 'task-tl']);
      expect(bundle.total).toBe(8);
      expect(bundle.entry[0]!.fullUrl).toBe(`${h.config.fhirUrl}/Task/${bundle.entry[0]!.resource.id}`);
    });

    it('filters a search to the patient\'s compartment: another patient\'s Tasks never appear', async () => {
      const token = await h.token();
      expect(ids(await h.request('GET', `Task?owner=Patient/${KOOS}`, token))).toEqual([]);
      expect(ids(await h.request('GET', 'Task?_id=task-de-groot,task-3a', token))).toEqual(['task-3a']);
      expect(ids(await h.request('GET', 'Task', token))).not.toContain('task-de-groot');
    });

    it('answers 404 for another patient\'s Task, exactly as for a missing one', async () => {
      const token = await h.token();
      const other = await h.request('GET', 'Task/task-de-groot', token);
      const missing = await h.request('GET', 'Task/no-such-task', token);
      expect(other.statusCode).toBe(404);
      expect(issueCode(other)).toBe('not-found');
      expect(other.body).toBe(missing.body);
    });

    it('reads another patient\'s Patient resource as 404 and its own as 200', async () => {
      const token = await h.token({ scope: 'patient/Patient.read' });
      expect((await h.request('GET', `Patient/${KOOS}`, token)).statusCode).toBe(404);
      expect((await h.request('GET', 'Patient/pat-van-duinen', token)).statusCode).toBe(200);
    });

    it('reads definitional resources (ActivityDefinition, Endpoint) with scope', async () => {
      const token = await h.token();
      expect((await h.request('GET', 'Endpoint/ep-module-3a', token)).statusCode).toBe(200);
      const byUrl = await h.request('GET', `ActivityDefinition?url=${encodeURIComponent('https://modules.example.nl/fhir/ActivityDefinition/bloeddruk-meten-3b')}`, token);
      expect(ids(byUrl)).toEqual(['ad-3b']);
    });

    it('answers 403 insufficient_scope for a type the scopes do not cover', async () => {
      const response = await h.request('GET', 'Observation?subject=Patient/pat-van-duinen', await h.token());
      expect(response.statusCode).toBe(403);
      expect(issueCode(response)).toBe('forbidden');
      expect(response.headers['www-authenticate']).toEqual([
        'Bearer error="insufficient_scope", error_description="The access token does not allow this request"',
        expect.stringMatching(/^DPoP algs=/),
      ]);
    });

    it('does not let a patient token use system/ scopes', async () => {
      const response = await h.request('GET', 'Task/task-3a', await h.token({ scope: 'system/Task.read' }));
      expect(response.statusCode).toBe(403);
      expect(issueCode(response)).toBe('forbidden');
    });

    it('answers 400 not-supported for an unknown search parameter', async () => {
      const response = await h.request('GET', 'Task?owner=Patient/pat-van-duinen&colour=red', await h.token());
      expect(response.statusCode).toBe(400);
      expect(issueCode(response)).toBe('not-supported');
    });

    it('answers 404 for an unknown resource type', async () => {
      const response = await h.request('GET', 'Medication/x', await h.token());
      expect(response.statusCode).toBe(404);
      expect(issueCode(response)).toBe('not-supported');
    });
  });

  describe('module token (launch context, docs/protocol.md §4.1)', () => {
    it('reads its launch Task and the directly referenced resources', async () => {
      const token = await h.moduleToken('task-3a');
      for (const path of ['Task/task-3a', 'Patient/pat-van-duinen', 'ServiceRequest/sr-diabetes', 'ActivityDefinition/ad-3a']) {
        expect((await h.request('GET', path, token)).statusCode, path).toBe(200);
      }
    });

    it('resolves the ActivityDefinition of a Task that uses instantiatesCanonical', async () => {
      expect((await h.request('GET', 'ActivityDefinition/ad-3b', await h.moduleToken('task-3b'))).statusCode).toBe(200);
    });

    it('reads the Questionnaire a questionnaire Task references as input', async () => {
      expect((await h.request('GET', 'Questionnaire/q-leefstijl', await h.moduleToken('task-3a-secret'))).statusCode).toBe(200);
      expect((await h.request('GET', 'Questionnaire/q-leefstijl', await h.moduleToken('task-3a'))).statusCode).toBe(404);
    });

    it('cannot read a Task of the same patient outside its fhirContext (docs/protocol.md §8 item 20)', async () => {
      const response = await h.request('GET', 'Task/task-1', await h.moduleToken('task-3a'));
      expect(response.statusCode).toBe(404);
      expect(issueCode(response)).toBe('not-found');
    });

    it('cannot read another ActivityDefinition or Endpoint', async () => {
      const token = await h.moduleToken('task-3a');
      expect((await h.request('GET', 'ActivityDefinition/ad-1', token)).statusCode).toBe(404);
      expect((await h.request('GET', 'Endpoint/ep-module-3a', token)).statusCode).toBe(404);
    });

    it('sees only its launch Task in a search', async () => {
      expect(ids(await h.request('GET', 'Task?patient=pat-van-duinen', await h.moduleToken('task-3a')))).toEqual(['task-3a']);
    });

    it('gains nothing from a fhirContext naming another patient\'s Task', async () => {
      const response = await h.request('GET', 'Task/task-de-groot', await h.moduleToken('task-de-groot'));
      expect(response.statusCode).toBe(404);
    });

    it('reads the other resources of its launch context (resource= values), within the compartment only', async () => {
      const fhirContext = [{ reference: 'Task/task-3a' }, { reference: 'ActivityDefinition/ad-1' }, { reference: 'Task/task-de-groot' }];
      const token = await h.moduleToken('task-3a', { fhirContext });
      expect((await h.request('GET', 'ActivityDefinition/ad-1', token)).statusCode).toBe(200);
      expect((await h.request('GET', 'Task/task-de-groot', token)).statusCode).toBe(404);
      expect((await h.request('GET', 'Task/task-1', token)).statusCode).toBe(404);
    });

    it('ignores fhirContext entries that are not references to this server (never widening)', async () => {
      const fhirContext = [{ reference: 'Task/task-3a' }, 'Task/task-1', { reference: 'http://other.localhost/fhir/Task/task-2a' }, { reference: 'Task/../Task/task-2b' }];
      const token = await h.moduleToken('task-3a', { fhirContext });
      for (const task of ['task-1', 'task-2a', 'task-2b']) expect((await h.request('GET', `Task/${task}`, token)).statusCode, task).toBe(404);
      expect((await h.request('GET', 'Task/task-3a', token)).statusCode).toBe(200);
    });
  });

  describe('system token (SYSTEM_CLIENTS, e.g. dva-auth validating a token exchange)', () => {
    it('reads across patients with system/ scopes', async () => {
      const token = await h.token({ client_id: 'dva-auth', sub: 'dva-auth', patient: undefined, scope: 'system/Task.read' });
      expect((await h.request('GET', 'Task/task-de-groot', token)).statusCode).toBe(200);
      expect((await h.request('GET', 'Patient/pat-de-groot', token)).statusCode).toBe(403);
    });
  });
});

describe('dva-fhir with LAUNCH_CONTEXT_REFERENCES=false', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness({ LAUNCH_CONTEXT_REFERENCES: 'false' });
  });
  afterAll(() => h.close());

  it('limits a module token to the launch Tasks themselves', async () => {
    const token = await h.moduleToken('task-3a');
    expect((await h.request('GET', 'Task/task-3a', token)).statusCode).toBe(200);
    expect((await h.request('GET', 'ServiceRequest/sr-diabetes', token)).statusCode).toBe(404);
  });
});
