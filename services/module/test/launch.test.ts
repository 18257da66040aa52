import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateKeyPair, type JWTPayload } from 'jose';
import { sha256b64url } from '@koppelmij/core';
import { Browser, setup, type Harness } from './support/harness.ts';

let h: Harness;
beforeEach(async () => {
  h = await setup();
});
afterEach(() => h.close());

const launchUrl = (query: string) => `/m/module-3a/launch?${query}`;

function expectModuleError(response: { statusCode: number; body: string; headers: Record<string, unknown> }, status: number) {
  expect(response.statusCode).toBe(status);
  expect(response.body).toContain('data-testid="module-error"');
  expect(response.headers.location).toBeUndefined();
}

describe('GET /m/:client_id/launch (W10–W12)', () => {
  it('refuses a launch without iss, and contacts no server (docs/protocol.md §8 item 29)', async () => {
    expectModuleError(await h.browser.get(launchUrl('launch=abc')), 400);
    expect(h.outgoing).toEqual([]);
  });

  it('refuses a launch without launch (docs/protocol.md §8 item 29)', async () => {
    expectModuleError(await h.browser.get(launchUrl(`iss=${encodeURIComponent(h.fake.fhirBase)}`)), 400);
    expect(h.outgoing).toEqual([]);
  });

  it('refuses an iss it has no registration with, and never starts a flow against it (docs/protocol.md §8 item 29)', async () => {
    // a live server that would answer discovery: it must never be asked
    const evil = `${h.fake.base}/evil/fhir`;
    expectModuleError(await h.browser.get(launchUrl(`iss=${encodeURIComponent(evil)}&launch=abc`)), 400);
    expect(h.outgoing).toEqual([]);
    expect(h.fake.requests).toEqual([]);
  });

  it('refuses a repeated iss parameter', async () => {
    const iss = encodeURIComponent(h.fake.fhirBase);
    expectModuleError(await h.browser.get(launchUrl(`iss=${iss}&iss=${iss}&launch=abc`)), 400);
  });

  it('answers 404 for an unknown client_id', async () => {
    expectModuleError(await h.browser.get(`/m/nobody/launch?iss=${encodeURIComponent(h.fake.fhirBase)}&launch=abc`), 404);
    expect(h.outgoing).toEqual([]);
  });

  it('redirects a trusted launch to the discovered authorization_endpoint with every W12 parameter', async () => {
    const response = await h.browser.get(launchUrl(`iss=${encodeURIComponent(h.fake.fhirBase)}&launch=launch-code-1`));
    expect(response.statusCode).toBe(302);
    expect(h.outgoing).toEqual([`${h.fake.fhirBase}/.well-known/smart-configuration`]);
    const location = new URL(String(response.headers.location));
    expect(`${location.origin}${location.pathname}`).toBe(`${h.fake.base}/authorize`);
    const p = location.searchParams;
    expect(p.get('response_type')).toBe('code');
    expect(p.get('client_id')).toBe('module-3a');
    expect(p.get('redirect_uri')).toBe('http://module.localhost:4300/m/module-3a/callback');
    expect(p.get('scope')).toBe('launch openid fhirUser offline_access patient/*.read patient/Task.write patient/Observation.write patient/QuestionnaireResponse.write');
    expect(p.get('aud')).toBe(h.fake.fhirBase);
    expect(p.get('launch')).toBe('launch-code-1');
    expect(p.get('code_challenge_method')).toBe('S256');
    expect(p.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(p.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(p.get('nonce')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // the session cookie: opaque, HttpOnly, SameSite=Lax, host-only
    const cookie = response.cookies.find((c) => c.name === 'module_sid');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(cookie?.domain).toBeUndefined();
  });

  it('sends no nonce when the scope has no openid', async () => {
    const response = await h.browser.get(`/m/module-2a/launch?iss=${encodeURIComponent(h.fake.fhirBase)}&launch=x`);
    expect(new URL(String(response.headers.location)).searchParams.has('nonce')).toBe(false);
  });

  it('refuses to launch against an authorization server without S256 PKCE (RFC 7636 §4.2)', async () => {
    h.fake.smartConfiguration = (d) => ({ ...d, code_challenge_methods_supported: ['plain'] });
    expectModuleError(await h.browser.get(launchUrl(`iss=${encodeURIComponent(h.fake.fhirBase)}&launch=x`)), 502);
  });

  it('accepts the trusted iss with a trailing slash and sends the registered form as aud', async () => {
    const response = await h.browser.get(launchUrl(`iss=${encodeURIComponent(`${h.fake.fhirBase}/`)}&launch=x`));
    expect(new URL(String(response.headers.location)).searchParams.get('aud')).toBe(h.fake.fhirBase);
  });
});

describe('GET /m/:client_id/callback (W15–W17)', () => {
  async function started(browser = h.browser) {
    const launch = await browser.get(launchUrl(`iss=${encodeURIComponent(h.fake.fhirBase)}&launch=launch-code-1`));
    const location = String(launch.headers.location);
    return { code: h.fake.authorize(location), state: new URL(location).searchParams.get('state')! };
  }
  const tokenRequests = () => h.fake.requestsTo('/token');
  const iss = () => encodeURIComponent(h.fake.base);

  it('completes a launch: tokens server-side, a new session id, 303 to the app', async () => {
    const before = h.browser.cookies.get('module_sid');
    const { callback } = await h.launchAndAuthorize();
    expect(callback.statusCode).toBe(303);
    expect(callback.headers.location).toBe('/m/module-3a/app');
    expect(h.browser.cookies.get('module_sid')).not.toBe(before);
    const body = tokenRequests()[0]!.body as Record<string, string>;
    expect(body).toMatchObject({ grant_type: 'authorization_code', redirect_uri: 'http://module.localhost:4300/m/module-3a/callback' });
    expect(body.client_assertion_type).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    expect(tokenRequests()[0]!.headers.dpop).toBeTypeOf('string');
  });

  it('refuses a wrong state and makes no token request (docs/protocol.md §8 item 30)', async () => {
    const { code } = await started();
    expectModuleError(await h.browser.get(`/m/module-3a/callback?code=${code}&state=wrong&iss=${iss()}`), 400);
    expect(tokenRequests()).toEqual([]);
  });

  it('refuses a missing state', async () => {
    const { code } = await started();
    expectModuleError(await h.browser.get(`/m/module-3a/callback?code=${code}&iss=${iss()}`), 400);
    expect(tokenRequests()).toEqual([]);
  });

  it('refuses the right state in another browser', async () => {
    const { code, state } = await started();
    expectModuleError(await new Browser(h.module).get(`/m/module-3a/callback?code=${code}&state=${state}&iss=${iss()}`), 400);
    expect(tokenRequests()).toEqual([]);
  });

  it('refuses the state of another module identity', async () => {
    const { code, state } = await started();
    expectModuleError(await h.browser.get(`/m/module-1/callback?code=${code}&state=${state}&iss=${iss()}`), 400);
    expect(tokenRequests()).toEqual([]);
  });

  it('accepts a state once only', async () => {
    const { code, state } = await started();
    expect((await h.browser.get(`/m/module-3a/callback?code=${code}&state=${state}&iss=${iss()}`)).statusCode).toBe(303);
    expectModuleError(await h.browser.get(`/m/module-3a/callback?code=${code}&state=${state}&iss=${iss()}`), 400);
    expect(tokenRequests()).toHaveLength(1);
  });

  it('spends the state even when the token request fails: a retry with it is refused (docs/decisions-protocol.md D12)', async () => {
    const { code, state } = await started();
    expectModuleError(await h.browser.get(`/m/module-3a/callback?code=not-issued&state=${state}&iss=${iss()}`), 502);
    expectModuleError(await h.browser.get(`/m/module-3a/callback?code=${code}&state=${state}&iss=${iss()}`), 400);
    expect(tokenRequests()).toHaveLength(1);
  });

  // RFC 9207 §2.4: the fake AS advertises authorization_response_iss_parameter_supported
  it('refuses a response from another issuer (mix-up) and never redeems its code', async () => {
    const { code, state } = await started();
    const response = await h.browser.get(`/m/module-3a/callback?code=${code}&state=${state}&iss=${encodeURIComponent('https://evil.example')}`);
    expectModuleError(response, 400);
    expect(response.body).toContain('<code data-testid="module-error-code">issuer_mismatch</code>');
    expect(tokenRequests()).toEqual([]);
  });

  it('refuses a response without iss when the authorization server advertises it, and never redeems its code', async () => {
    const { code, state } = await started();
    const response = await h.browser.get(`/m/module-3a/callback?code=${code}&state=${state}`);
    expectModuleError(response, 400);
    expect(response.body).toContain('<code data-testid="module-error-code">issuer_missing</code>');
    expect(tokenRequests()).toEqual([]);
  });

  it('compares iss with the issuer of the request also when the server does not advertise it', async () => {
    // the fake publishes no OpenID configuration either (404): nothing advertised
    h.fake.smartConfiguration = ({ authorization_response_iss_parameter_supported: _advertised, ...document }) => document;
    const { code, state } = await started();
    expectModuleError(await h.browser.get(`/m/module-3a/callback?code=${code}&state=${state}&iss=${encodeURIComponent('https://evil.example')}`), 400);
    const next = await started();
    expect((await h.browser.get(`/m/module-3a/callback?code=${next.code}&state=${next.state}`)).statusCode).toBe(303);
    expect(tokenRequests()).toHaveLength(1);
  });

  it('shows the error code of an authorization error response, without its description', async () => {
    const { state } = await started();
    const response = await h.browser.get(`/m/module-3a/callback?error=access_denied&error_description=%3Cscript%3E&state=${state}&iss=${iss()}`);
    expectModuleError(response, 400);
    expect(response.body).toContain('<code data-testid="module-error-code">access_denied</code>');
    expect(response.body).not.toContain('<script>');
  });

  it('shows the token endpoint error code when the token request fails', async () => {
    const { state } = await started();
    const response = await h.browser.get(`/m/module-3a/callback?code=not-issued&state=${state}&iss=${iss()}`);
    expectModuleError(response, 502);
    expect(response.body).toContain('invalid_grant');
  });

  it('fails the launch when the token response carries no Task, and revokes the token (docs/protocol.md §8 item 30)', async () => {
    h.fake.tokenBody = ({ fhirContext: _, ...rest }) => rest;
    const { callback } = await h.launchAndAuthorize();
    expectModuleError(callback, 502);
    const revoked = h.fake.requestsTo('/revoke').map((r) => (r.body as Record<string, string>).token);
    expect(revoked).toContain(h.fake.issuedTokens[0]);
    expect((await h.browser.get('/m/module-3a/app')).statusCode).toBe(401);
  });

  it('fails the launch when the token response carries no patient (docs/protocol.md §8 item 30)', async () => {
    h.fake.tokenBody = ({ patient: _, ...rest }) => rest;
    expectModuleError((await h.launchAndAuthorize()).callback, 502);
  });

  it('fails the launch when the return_url is not an http(s) URL', async () => {
    h.fake.tokenBody = (body) => ({ ...body, return_url: 'javascript:alert(1)' });
    expectModuleError((await h.launchAndAuthorize()).callback, 502);
  });

  it('takes a Koppeltaal-style `resource` Task reference as well (docs/decisions-protocol.md D11)', async () => {
    h.fake.tokenBody = ({ fhirContext: _, ...rest }) => ({ ...rest, resource: 'Task/t1' });
    expect((await h.launchAndAuthorize()).callback.statusCode).toBe(303);
  });
});

describe('id_token (docs/protocol.md §8 item 31)', () => {
  const cases: Array<[string, (c: JWTPayload) => JWTPayload]> = [
    ['a wrong aud', (c) => ({ ...c, aud: 'another-client' })],
    ['a wrong iss', (c) => ({ ...c, iss: 'http://evil.example' })],
    ['an expired exp', (c) => ({ ...c, exp: Math.floor(Date.now() / 1000) - 120 })],
    ['a wrong nonce', (c) => ({ ...c, nonce: 'replayed' })],
    ['several audiences without azp', (c) => ({ ...c, aud: ['module-3a', 'another-client'] })],
  ];
  for (const [name, claims] of cases) {
    it(`fails the launch for ${name}`, async () => {
      h.fake.idToken.claims = claims;
      const { callback } = await h.launchAndAuthorize();
      expectModuleError(callback, 502);
      expect((await h.browser.get('/m/module-3a/app')).statusCode).toBe(401);
    });
  }

  it('fails the launch for a bad signature (a key not in the DVA JWKS)', async () => {
    h.fake.idToken.key = (await generateKeyPair('ES256')).privateKey;
    expectModuleError((await h.launchAndAuthorize()).callback, 502);
  });

  it('fails the launch when openid was granted but no id_token came (OIDC Core §3.1.3.3)', async () => {
    h.fake.tokenBody = ({ id_token: _, ...rest }) => rest;
    expectModuleError((await h.launchAndAuthorize()).callback, 502);
  });

  it('accepts a valid id_token, verified against the jwks_uri from discovery', async () => {
    expect((await h.launchAndAuthorize()).callback.statusCode).toBe(303);
    expect(h.outgoing).toContain(`${h.fake.base}/jwks`);
  });
});

describe('tokens never reach the browser (docs/protocol.md §8 item 32)', () => {
  it('serves no token in any page, header or cookie through launch, app and submit', async () => {
    await h.launchAndAuthorize();
    await h.browser.get('/m/module-3a/app');
    await h.browser.post('/m/module-3a/submit', { csrf: h.browser.csrf(), systolic: '128', diastolic: '82' });
    expect(h.fake.issuedTokens.length).toBe(3); // access, refresh, id token
    for (const response of h.browser.responses) {
      const served = `${JSON.stringify(response.headers)}\n${response.body}`;
      for (const token of h.fake.issuedTokens) {
        expect(served).not.toContain(token);
        expect(served).not.toContain(sha256b64url(token));
      }
    }
  });
});
