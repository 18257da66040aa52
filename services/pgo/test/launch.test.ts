import { afterEach, describe, expect, it } from 'vitest';
import { csrfFrom } from './support/browser.ts';
import { BSN, LAUNCH_CODE_TYPE, URLS } from './support/fake-world.ts';
import { collect, login, setup, startModule, type Setup } from './support/flows.ts';

let current: Setup | undefined;
afterEach(async () => {
  await current?.app.close();
  current = undefined;
});
async function collected(env: Record<string, string> = {}): Promise<Setup> {
  current = await setup(env);
  await login(current);
  await collect(current);
  return current;
}

/** W1–W6: start, PAR, the browser at the DVA and back at /callback_stepup. */
async function throughPar(s: Setup) {
  const start = await startModule(s, 'task-1');
  expect(start.statusCode).toBe(302);
  return s.browser.get(s.world.dvaAuthorize(start.headers.location as string));
}

describe('3a-W (docs/protocol.md §3.1.1)', () => {
  it('W1: pushes the launch authorization request with the collect token as subject_token', async () => {
    const s = await collected();
    const start = await startModule(s, 'task-1');
    const par = s.world.parRequests.at(-1)!;
    expect(Object.fromEntries(par)).toMatchObject({
      response_type: 'code',
      client_id: 'pgo-demo',
      redirect_uri: `${URLS.pgo}/callback_stepup`,
      audience: 'module-3a',
      subject_token: s.world.collectTokens[0],
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      acr_values: 'urn:medmij:oauth2:acr-value:launch-authorization',
      scope: 'launch openid fhirUser patient/*.read',
      code_challenge_method: 'S256',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    });
    // W3: only client_id and request_uri
    const location = new URL(start.headers.location as string);
    expect(location.origin + location.pathname).toBe(`${URLS.dva}/authorize`);
    expect([...location.searchParams.keys()]).toEqual(['client_id', 'request_uri']);
  });

  it('W7–W9: exchanges the code for a launch code and sends only iss and launch to the module', async () => {
    const s = await collected();
    const back = await throughPar(s);
    const exchange = s.world.tokenRequests.at(-1)!;
    expect(Object.fromEntries(exchange)).toMatchObject({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token: s.world.collectTokens[0],
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      actor_token_type: 'urn:medmij:token-type:launch-authorization-code',
      requested_token_type: LAUNCH_CODE_TYPE,
      audience: 'module-3a',
      resource: 'Task/task-1',
    });
    expect(exchange.get('code_verifier')).toMatch(/^[\w-]{43}$/);
    const returnUrl = new URL(exchange.get('return_url')!);
    expect(returnUrl.origin + returnUrl.pathname).toBe(`${URLS.pgo}/launch_callback`);
    expect(returnUrl.searchParams.get('task_id')).toBe('task-1');
    expect(returnUrl.href).not.toContain(BSN); // the module must not learn the BSN

    expect(back.statusCode).toBe(302);
    const launch = new URL(back.headers.location as string);
    expect(launch.origin + launch.pathname).toBe('http://module.localhost:4300/m/module-3a/launch');
    expect([...launch.searchParams]).toEqual([
      ['iss', URLS.fhir], // the Endpoint's own ?iss=other is overridden
      ['launch', s.world.launchCode],
    ]);
  });

  it('W9 as form_post: an auto-submitting form with iss and launch in the body', async () => {
    const s = await collected({ LAUNCH_REDIRECT: 'form_post' });
    const back = await throughPar(s);
    expect(back.statusCode).toBe(200);
    expect(back.body).toContain('<form method="post" action="http://module.localhost:4300/m/module-3a/launch">');
    expect(back.body).toContain(`name="launch" value="${s.world.launchCode}"`);
    expect(back.headers['cache-control']).toBe('no-store');
    expect(back.headers['content-security-policy']).toMatch(/script-src 'sha256-/);
  });

  it.each([
    ['issued_token_type is not the launch code', { issued_token_type: 'urn:ietf:params:oauth:token-type:access_token' }],
    ['token_type is not N_A', { token_type: 'Bearer' }],
  ])('W8: refuses an answer whose %s, and sends the browser nowhere', async (_name, override) => {
    const s = await collected();
    s.world.exchangeOverride = override;
    const back = await throughPar(s);
    expect(back.statusCode).toBe(502);
    expect(back.headers.location).toBeUndefined();
  });

  it.each([
    ['without state', (url: URL) => url.searchParams.delete('state')],
    ['with a forged state', (url: URL) => url.searchParams.set('state', 'forged')],
    ['from another issuer (RFC 9207 §2.4)', (url: URL) => url.searchParams.set('iss', 'https://evil.example')],
  ])('W6: answers /callback_stepup %s with 400 and exchanges nothing (docs/protocol.md §8 item 24)', async (_name, tamper) => {
    const s = await collected();
    const start = await startModule(s, 'task-1');
    const back = new URL(s.world.dvaAuthorize(start.headers.location as string));
    tamper(back);
    const requests = s.world.tokenRequests.length;
    expect((await s.browser.get(back.href)).statusCode).toBe(400);
    expect(s.world.tokenRequests).toHaveLength(requests);
  });

  it('W6: refuses a collect state at /callback_stepup', async () => {
    const s = await collected();
    const dossier = await s.browser.get(`/dossier/${BSN}`);
    const redirect = await s.browser.post(`/dossier/${BSN}/collect`, { csrf: csrfFrom(dossier.body) });
    const back = new URL(s.world.dvaAuthorize(redirect.headers.location as string));
    expect((await s.browser.get(`/callback_stepup${back.search}`)).statusCode).toBe(400);
  });
});

describe('starting a module', () => {
  it.each(['task-unknown', 'task-other', '..%2Fetc'])('answers an unknown task (%s) with 404', async (taskId) => {
    const s = await collected();
    const response = await startModule(s, taskId);
    expect(response.statusCode).toBe(404);
    expect(s.world.parRequests).toHaveLength(0);
  });

  it('starts an option-1 module with an authorization request at the DVA that names the module (docs/option-1.md)', async () => {
    const s = await collected();
    const response = await startModule(s, 'task-2');
    expect(response.statusCode).toBe(302);
    const authorize = new URL(response.headers.location as string);
    expect(authorize.origin + authorize.pathname).toBe(`${URLS.dva}/authorize`);
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
      response_type: 'code', client_id: 'pgo-demo', redirect_uri: `${URLS.pgo}/callback_option1`, audience: 'module-1', code_challenge_method: 'S256',
    });
    expect(authorize.searchParams.has('subject_token')).toBe(false); // the collect token stays server-side (docs/protocol.md §8 item 26)
    expect(s.world.parRequests).toHaveLength(0);
  });

  it('shows the precise broken link of the chain (docs/protocol.md §8 item 25)', async () => {
    const s = await collected();
    s.world.fhir.put({ resourceType: 'Endpoint', id: 'ep-3a', status: 'off', address: 'http://module.localhost:4300/x' });
    const response = await startModule(s, 'task-1');
    expect(response.statusCode).toBe(422);
    expect(response.body).toContain('No Endpoint of ActivityDefinition ad-3a is active.');
  });

  it.each<Record<string, string>>([{}, { csrf: 'x'.repeat(43) }])('refuses a start without the right form CSRF token (%o)', async (form) => {
    const s = await collected();
    expect((await s.browser.post(`/dossier/${BSN}/tasks/task-1/start`, form)).statusCode).toBe(403);
    expect(s.world.parRequests).toHaveLength(0);
  });
});

describe('3a-P (docs/protocol.md §3.1.2)', () => {
  it('exchanges in the back channel without PAR or actor_token, then W9', async () => {
    const s = await collected({ LAUNCH_PREP_MODE: 'backchannel' });
    const response = await startModule(s, 'task-1');
    expect(s.world.parRequests).toHaveLength(0);
    const exchange = s.world.tokenRequests.at(-1)!;
    expect(Object.fromEntries(exchange)).toMatchObject({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token: s.world.collectTokens[0],
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      requested_token_type: LAUNCH_CODE_TYPE,
      audience: 'module-3a',
      resource: 'Task/task-1',
    });
    expect(exchange.has('actor_token')).toBe(false);
    expect(response.statusCode).toBe(302);
    expect(new URL(response.headers.location as string).searchParams.get('launch')).toBe(s.world.launchCode);
  });

  it('sends the DVA FHIR base as audience when the switch says so', async () => {
    const s = await collected({ LAUNCH_PREP_MODE: 'backchannel', TOKEN_EXCHANGE_AUDIENCE: 'dva-fhir-base' });
    await startModule(s, 'task-1');
    expect(s.world.tokenRequests.at(-1)!.get('audience')).toBe(URLS.fhir);
  });

  it('without step-up enabled, shows step_up_required as a DVA error', async () => {
    const s = await collected({ LAUNCH_PREP_MODE: 'backchannel' });
    s.world.stepUpsLeft = 1;
    const response = await startModule(s, 'task-1');
    expect(response.statusCode).toBe(502);
    expect(response.body).toContain('step_up_required');
  });

  it('with step-up: logs in again at the DVA, replaces the collect token and repeats the exchange once', async () => {
    const s = await collected({ LAUNCH_PREP_MODE: 'backchannel+stepup' });
    s.world.stepUpsLeft = 1;
    const response = await startModule(s, 'task-1');
    expect(response.statusCode).toBe(302);
    const authorize = new URL(response.headers.location as string);
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
      response_type: 'code',
      redirect_uri: `${URLS.pgo}/callback_stepup`,
      prompt: 'login',
      code_challenge_method: 'S256',
    });
    const back = await s.browser.get(s.world.dvaAuthorize(authorize.href));
    expect(back.statusCode).toBe(302);
    expect(new URL(back.headers.location as string).searchParams.get('launch')).toBe(s.world.launchCode);
    const [, fresh] = s.world.collectTokens;
    expect(s.world.tokenRequests.at(-1)!.get('subject_token')).toBe(fresh);
  });

  it('with step-up: refuses a step-up login as another patient and keeps the dossier\'s token', async () => {
    const s = await collected({ LAUNCH_PREP_MODE: 'backchannel+stepup' });
    s.world.stepUpsLeft = 1;
    const response = await startModule(s, 'task-1');
    s.world.patient = 'Patient/pat-2';
    const back = await s.browser.get(s.world.dvaAuthorize(response.headers.location as string));
    expect(back.statusCode).toBe(502);
    s.world.patient = 'Patient/pat-1';
    await startModule(s, 'task-1');
    expect(s.world.tokenRequests.at(-1)!.get('subject_token')).toBe(s.world.collectTokens[0]);
  });

  it('with step-up: a second step-up demand is an error, not a loop', async () => {
    const s = await collected({ LAUNCH_PREP_MODE: 'backchannel+stepup' });
    s.world.stepUpsLeft = 2;
    const response = await startModule(s, 'task-1');
    const back = await s.browser.get(s.world.dvaAuthorize(response.headers.location as string));
    expect(back.statusCode).toBe(502);
  });
});
