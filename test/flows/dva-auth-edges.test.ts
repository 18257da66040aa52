/**
 * The DVA authorization server's edges that no launch flow passes: what it serves without
 * authentication (docs/decisions.md I47), HTTP methods (RFC 9126 §2.3), requests without client
 * authentication (RFC 6749 §5.2), client assertions oidc-provider alone would accept (docs/decisions.md
 * I53), and the SMART `launch` scope (docs/decisions.md I48).
 */
import { SignJWT, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_ASSERTION_TYPE, DpopClient, generateDpopKey, randomToken } from '@koppelmij/core';
import { Browser } from '../support/browser.ts';
import { MODULE, TOM, collectToken, launchCode, moduleAuthorize, post, startProtocolStack, type ProtocolStack } from '../support/protocol.ts';

let t: ProtocolStack;
let tom: string;
beforeAll(async () => {
  t = await startProtocolStack();
  tom = (await collectToken(t, TOM)).access_token; // the collect leaves audit events naming the person and the PGO
});
afterAll(() => t?.close());

describe('the audit trail (docs/decisions.md I47)', () => {
  it('is served to nobody over HTTP: GET /audit is 404 and names no one', async () => {
    expect((await t.dvaAuth.dva.audit.recent(5)).length).toBeGreaterThan(0);
    const response = await fetch(`${t.urls.dvaAuth}/audit`);
    expect(response.status).toBe(404);
    const body = await response.text();
    expect(body).not.toContain('consent.granted');
    expect(body).not.toContain('pgo-demo');
  });
});

describe('RFC 9126 §2.3: the PAR endpoint takes POST only', () => {
  it.each(['GET', 'PUT', 'DELETE'])('answers %s /par with 405 and Allow: POST', async (method) => {
    const response = await fetch(`${t.urls.dvaAuth}/par`, { method });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    expect(await response.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('answers GET /token the same way (RFC 6749 §3.2)', async () => {
    const response = await fetch(`${t.urls.dvaAuth}/token?grant_type=client_credentials`);
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
  });
});

describe('RFC 6749 §5.2: a request without client authentication', () => {
  it('is invalid_client (401) at the token endpoint', async () => {
    const reply = await post(t, '/token', { grant_type: 'authorization_code', code: 'x'.repeat(43), redirect_uri: `${t.urls.pgo}/callback`, code_verifier: 'v'.repeat(43) }, { as: false });
    expect(reply.status).toBe(401);
    expect(reply.body).toEqual({ error: 'invalid_client', error_description: 'client authentication is required' });
  });

  it('is invalid_client (401) at the PAR, revocation and introspection endpoints', async () => {
    for (const path of ['/par', '/revoke', '/introspect']) {
      const reply = await post(t, path, path === '/par' ? { response_type: 'code' } : { token: 'x'.repeat(43) }, { as: false });
      expect(reply.status, path).toBe(401);
      expect(reply.body.error, path).toBe('invalid_client');
    }
  });
});

describe('SMART App Launch: the launch parameter and the launch scope (docs/decisions.md I48)', () => {
  it('refuses a launch code with a scope that lacks launch (invalid_scope), and leaves the code unspent', async () => {
    const browser = new Browser();
    const launch = await launchCode(t, browser, tom);
    const refused = await moduleAuthorize(t, browser, launch, { params: { scope: 'openid fhirUser patient/*.read' } });
    expect(refused.error).toBe('invalid_scope');
    expect(refused.code).toBeUndefined();
    expect((await moduleAuthorize(t, browser, launch)).code).toBeTruthy(); // bad input changes no state
  });

  it('refuses the launch scope without a launch parameter (invalid_request)', async () => {
    const refused = await moduleAuthorize(t, new Browser(), '', { params: { launch: undefined } });
    expect(refused.page.url.startsWith(`${t.urls.module}/m/${MODULE}/callback?`)).toBe(true);
    expect(refused.error).toBe('invalid_request');
    expect(refused.code).toBeUndefined();
  });
});

describe('client assertions at the token endpoint (docs/decisions-protocol.md D1; docs/decisions.md I53)', () => {
  /** module-3a's assertion with `claims` changed, for a code grant with a code never issued. */
  async function redeemWith(claims: JWTPayload) {
    // a fresh assertion for every attempt (its jti is single use, RFC 7523 §3 (7)); module-3a is
    // DPoP-bound (RFC 9449 §5.2), so the request carries a proof and what fails is the assertion or the code
    const request = async () => {
      const now = Math.floor(Date.now() / 1000);
      const assertion = await new SignJWT({ iss: MODULE, sub: MODULE, aud: t.urls.dvaAuth, iat: now, exp: now + 60, jti: randomToken(), ...claims })
        .setProtectedHeader({ alg: t.keys.module.alg, kid: t.keys.module.kid })
        .sign(t.keys.module.privateKey);
      const form = { grant_type: 'authorization_code', code: randomToken(), redirect_uri: `${t.urls.module}/m/${MODULE}/callback`, code_verifier: randomToken(), client_id: MODULE, client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: assertion };
      return { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: new URLSearchParams(form) };
    };
    const response = await new DpopClient({ key: await generateDpopKey() }).fetch(`${t.urls.dvaAuth}/token`, request);
    return { status: response.status, body: (await response.json()) as { error?: string } };
  }

  it('accepts the issuer or the token endpoint as aud (control: the code is what fails)', async () => {
    for (const aud of [t.urls.dvaAuth, `${t.urls.dvaAuth}/token`]) expect((await redeemWith({ aud })).body.error).toBe('invalid_grant');
  });

  it.each([
    ['an aud array that holds the issuer', () => ({ aud: [t.urls.dvaAuth, 'https://other.example'] })],
    ['an exp an hour ahead', () => ({ exp: Math.floor(Date.now() / 1000) + 3600 })],
    ['an iat 2 minutes ahead', () => ({ iat: Math.floor(Date.now() / 1000) + 120 })],
  ])('refuses %s with 401 invalid_client', async (_name, claims) => {
    const reply = await redeemWith(claims());
    expect(reply.status).toBe(401);
    expect(reply.body.error).toBe('invalid_client');
  });

  it('refuses the PAR endpoint as aud at the PAR endpoint (docs/decisions-protocol.md D1: issuer or token endpoint only)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const assertion = await new SignJWT({ iss: 'pgo-demo', sub: 'pgo-demo', aud: `${t.urls.dvaAuth}/par`, iat: now, exp: now + 60, jti: randomToken() })
      .setProtectedHeader({ alg: t.keys.pgo.alg, kid: t.keys.pgo.kid })
      .sign(t.keys.pgo.privateKey);
    const reply = await post(t, '/par', { response_type: 'code', client_id: 'pgo-demo', client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: assertion }, { as: false });
    expect(reply.status).toBe(401);
    expect(reply.body.error).toBe('invalid_client');
  });
});
