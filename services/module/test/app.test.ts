import { afterEach, describe, expect, it } from 'vitest';
import { RETURN_URL } from './support/fake-dva.ts';
import { setup, type Harness } from './support/harness.ts';

let h: Harness;
afterEach(() => h.close());

async function launched(options: Parameters<typeof setup>[0] = {}, clientId = 'module-3a'): Promise<Harness> {
  h = await setup(options);
  const { callback } = await h.launchAndAuthorize(clientId);
  expect(callback.statusCode).toBe(303);
  return h;
}

const fhirRequests = () => h.fake.requests.filter((r) => r.path.startsWith('/fhir/') && !r.path.includes('.well-known'));
const submit = (form: Record<string, string>, clientId = 'module-3a') => h.browser.post(`/m/${clientId}/submit`, { csrf: h.browser.csrf(), ...form });

describe('GET /m/:client_id/app (W18)', () => {
  it('shows the patient name, the Task id and description, and the form', async () => {
    await launched();
    const page = await h.browser.get('/m/module-3a/app');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<b data-testid="module-patient-name">Jan Jansen</b>');
    expect(page.body).toContain('<code data-testid="module-task-id">t1</code>');
    expect(page.body).toContain('Meet uw bloeddruk');
    expect(page.body).toContain('data-testid="module-submit"');
    expect(page.headers['cache-control']).toBe('no-store');
  });

  it('escapes what the FHIR server returns', async () => {
    await launched();
    h.fake.patient = { ...h.fake.patient, name: [{ text: '<script>alert(1)</script>' }] };
    const page = await h.browser.get('/m/module-3a/app');
    expect(page.body).not.toContain('<script>alert(1)');
    expect(page.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('moves a requested Task to in-progress with a FHIRPath Patch (docs/protocol.md §4.8)', async () => {
    await launched();
    const page = await h.browser.get('/m/module-3a/app');
    const patch = fhirRequests().find((r) => r.method === 'PATCH')!;
    expect(patch.headers['content-type']).toBe('application/fhir+json');
    expect(patch.body).toEqual({
      resourceType: 'Parameters',
      parameter: [{ name: 'operation', part: [{ name: 'type', valueCode: 'replace' }, { name: 'path', valueString: 'Task.status' }, { name: 'value', valueCode: 'in-progress' }] }],
    });
    expect(page.body).toContain('(in-progress)');
  });

  it('goes on when the FHIR server refuses that transition with 422', async () => {
    await launched();
    h.fake.fhirFailures['PATCH Task'] = 422;
    const page = await h.browser.get('/m/module-3a/app');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('(requested)');
  });

  it('shows module-error when the FHIR server fails', async () => {
    await launched();
    h.fake.fhirFailures['GET Task'] = 500;
    const page = await h.browser.get('/m/module-3a/app');
    expect(page.statusCode).toBe(502);
    expect(page.body).toContain('data-testid="module-error"');
  });

  it('answers 401 without an active launch in this browser', async () => {
    h = await setup();
    const page = await h.browser.get('/m/module-3a/app');
    expect(page.statusCode).toBe(401);
    expect(page.body).toContain('data-testid="module-error"');
  });
});

describe('POST /m/:client_id/submit and terugkeer (docs/protocol.md §4.6)', () => {
  it('creates the Observation, completes the Task, revokes the tokens, and 303s to the token response return_url', async () => {
    await launched();
    await h.browser.get('/m/module-3a/app');
    h.fake.requests.length = 0;
    const response = await h.browser.post('/m/module-3a/submit?return_url=http%3A%2F%2Fevil.example', {
      csrf: h.browser.csrf(),
      systolic: '128',
      diastolic: '82',
      return_url: 'http://evil.example/form',
    });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe(RETURN_URL);
    // step 1 before step 2 before the redirect
    expect(h.fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /fhir/Observation',
      'PATCH /fhir/Task/t1',
      'POST /revoke',
      'POST /revoke',
    ]);
    const [create, patch, revokeAccess, revokeRefresh] = h.fake.requests;
    expect(create!.body).toMatchObject({
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '85354-9' }] },
      subject: { reference: 'Patient/p1' },
      component: [
        { code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] }, valueQuantity: { value: 128, code: 'mm[Hg]' } },
        { code: { coding: [{ system: 'http://loinc.org', code: '8462-4' }] }, valueQuantity: { value: 82, code: 'mm[Hg]' } },
      ],
    });
    expect(typeof (create!.body as { effectiveDateTime: unknown }).effectiveDateTime).toBe('string');
    expect(patch!.body).toMatchObject({
      parameter: [
        { part: [{ valueCode: 'replace' }, { valueString: 'Task.status' }, { valueCode: 'completed' }] },
        {
          part: [
            { valueCode: 'add' },
            { valueString: 'Task' },
            { valueString: 'output' },
            { name: 'value', part: [{ name: 'type' }, { name: 'valueReference', valueReference: { reference: 'Observation/observation-1' } }] },
          ],
        },
      ],
    });
    const [accessToken, refreshToken] = h.fake.issuedTokens;
    expect(revokeAccess!.body).toMatchObject({ token: accessToken, token_type_hint: 'access_token' });
    expect(revokeRefresh!.body).toMatchObject({ token: refreshToken, token_type_hint: 'refresh_token' });
    expect((revokeAccess!.body as Record<string, string>).client_assertion).toBeTypeOf('string');
    // the launch is over in this browser
    expect((await h.browser.get('/m/module-3a/app')).statusCode).toBe(401);
  });

  it('refuses a submit without the session CSRF token, and writes nothing', async () => {
    await launched();
    await h.browser.get('/m/module-3a/app');
    h.fake.requests.length = 0;
    const response = await h.browser.post('/m/module-3a/submit', { csrf: 'forged', systolic: '128', diastolic: '82' });
    expect(response.statusCode).toBe(403);
    expect(response.body).toContain('data-testid="module-error"');
    expect(h.fake.requests).toEqual([]);
  });

  for (const [name, form] of [
    ['a systolic out of range', { systolic: '400', diastolic: '82' }],
    ['a fraction', { systolic: '120.5', diastolic: '82' }],
    ['a diastolic above the systolic', { systolic: '90', diastolic: '120' }],
    ['a missing value', { systolic: '120' }],
  ] as const) {
    it(`answers 400 for ${name}, and writes nothing`, async () => {
      await launched();
      await h.browser.get('/m/module-3a/app');
      h.fake.requests.length = 0;
      const response = await submit(form);
      expect(response.statusCode).toBe(400);
      expect(response.body).toContain('data-testid="module-error"');
      expect(h.fake.requests).toEqual([]);
    });
  }

  it('shows module-error and does not redirect, patch or revoke when the Observation cannot be created', async () => {
    await launched();
    await h.browser.get('/m/module-3a/app');
    h.fake.requests.length = 0;
    h.fake.fhirFailures['POST Observation'] = 500;
    const response = await submit({ systolic: '128', diastolic: '82' });
    expect(response.statusCode).toBe(502);
    expect(response.headers.location).toBeUndefined();
    expect(h.fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /fhir/Observation']);
  });

  it('shows module-error and does not redirect or revoke when the Task PATCH is refused', async () => {
    await launched();
    await h.browser.get('/m/module-3a/app');
    h.fake.fhirFailures['PATCH Task'] = 422;
    const response = await submit({ systolic: '128', diastolic: '82' });
    expect(response.statusCode).toBe(502);
    expect(response.headers.location).toBeUndefined();
    expect(h.fake.requestsTo('/revoke')).toEqual([]);
  });

  it('shows a done page when the token response named no return_url', async () => {
    h = await setup();
    h.fake.tokenBody = ({ return_url: _, ...rest }) => rest;
    await h.launchAndAuthorize();
    await h.browser.get('/m/module-3a/app');
    const response = await submit({ systolic: '128', diastolic: '82' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('data-testid="module-done"');
  });
});

describe('the client_secret_basic identity (module-3a-secret)', () => {
  it('authenticates with HTTP Basic and records a QuestionnaireResponse', async () => {
    await launched({}, 'module-3a-secret');
    const token = h.fake.requestsTo('/token')[0]!;
    const expected = Buffer.from('module-3a-secret:demo-secret-module-3a-change-me-in-a-real-deployment').toString('base64');
    expect(token.headers.authorization).toBe(`Basic ${expected}`);
    expect(token.body).not.toHaveProperty('client_assertion');

    await h.browser.get('/m/module-3a-secret/app');
    const response = await submit({ score: '4', remark: 'Goed' }, 'module-3a-secret');
    expect(response.statusCode).toBe(303);
    const create = h.fake.requestsTo('/fhir/QuestionnaireResponse')[0]!;
    expect(create.body).toMatchObject({ resourceType: 'QuestionnaireResponse', status: 'completed', subject: { reference: 'Patient/p1' } });
    expect(h.fake.requestsTo('/revoke')[0]!.headers.authorization).toBe(`Basic ${expected}`);
  });
});
