/**
 * The PGO's authorization server of options 2a/2b at the edges no launch flow passes, with the
 * same service-kit pieces as the DVA's (docs/decisions.md I145, I146): HTTP methods (RFC 6749
 * §3.2), requests without client authentication (RFC 6749 §5.2), client assertions
 * oidc-provider alone would accept (docs/decisions-protocol.md D1; docs/decisions.md I53), and its RFC 8414
 * metadata (docs/decisions.md I147).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_ASSERTION_TYPE, randomToken } from '@koppelmij/core';
import { setup, type Setup } from './support/flows.ts';

const MODULE = 'module-2a';
const DEMO_REGISTRATIONS = fileURLToPath(new URL('../../../deploy/demo/registrations.json', import.meta.url));

let t: Setup;
let moduleKey: CryptoKey;
beforeAll(async () => {
  // the demo registrations, with module-2a's keys inline (no module serves its jwks_uri here)
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  moduleKey = privateKey;
  const registrations = JSON.parse(readFileSync(DEMO_REGISTRATIONS, 'utf8')) as { modules: Record<string, unknown>[] };
  const module = registrations.modules.find((m) => m.client_id === MODULE)!;
  delete module.jwks_uri;
  module.jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'module-2a-1', alg: 'ES256', use: 'sig' }] };
  const file = join(mkdtempSync(join(tmpdir(), 'pgo-as-')), 'registrations.json');
  writeFileSync(file, JSON.stringify(registrations));
  t = await setup({ REGISTRATIONS_FILE: file });
});
afterAll(() => t?.app.close());

/** A form POST as it reaches the PGO at its own origin (oidc-provider reads its endpoints' URLs from the Host). */
async function post(url: string, fields: Record<string, string>) {
  const headers = { 'content-type': 'application/x-www-form-urlencoded' };
  const payload = new URLSearchParams(fields).toString();
  const reply = await t.app.inject({ method: 'POST', url, headers: { ...headers, host: new URL(t.config.pgoUrl).host }, payload });
  return { status: reply.statusCode, body: reply.json() as { error?: string; error_description?: string } };
}

describe('RFC 6749 §3.2, RFC 7009 §2.1: the token and revocation endpoints take POST only', () => {
  it.each(['GET', 'PUT', 'DELETE'])('answer %s with 405 and Allow: POST', async (method) => {
    for (const url of ['/token?grant_type=authorization_code', '/revoke']) {
      const reply = await t.app.inject({ method: method as 'GET', url });
      expect(reply.statusCode, url).toBe(405);
      expect(reply.headers.allow, url).toBe('POST');
      expect(reply.json(), url).toMatchObject({ error: 'invalid_request' });
    }
  });
});

describe('RFC 6749 §5.2: a request without client authentication', () => {
  it('is invalid_client (401) at the token endpoint', async () => {
    const reply = await post('/token', { grant_type: 'authorization_code', code: randomToken(), redirect_uri: `${t.config.moduleUrl}/m/${MODULE}/callback`, code_verifier: randomToken() });
    expect(reply.status).toBe(401);
    expect(reply.body).toEqual({ error: 'invalid_client', error_description: 'client authentication is required' });
  });

  it('is invalid_client (401) at the revocation endpoint', async () => {
    const reply = await post('/revoke', { token: randomToken() });
    expect(reply.status).toBe(401);
    expect(reply.body.error).toBe('invalid_client');
  });
});

describe('client assertions (docs/decisions-protocol.md D1; docs/decisions.md I53, I145)', () => {
  /** module-2a's assertion with `claims` changed, for a code grant with a code never issued. */
  async function redeemWith(claims: JWTPayload) {
    const now = Math.floor(Date.now() / 1000);
    const assertion = await new SignJWT({ iss: MODULE, sub: MODULE, aud: `${t.config.pgoUrl}/token`, iat: now, exp: now + 60, jti: randomToken(), ...claims })
      .setProtectedHeader({ alg: 'ES256', kid: 'module-2a-1' })
      .sign(moduleKey);
    return post('/token', {
      grant_type: 'authorization_code', code: randomToken(), redirect_uri: `${t.config.moduleUrl}/m/${MODULE}/callback`, code_verifier: randomToken(),
      client_id: MODULE, client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: assertion,
    });
  }

  it('accepts the issuer or the token endpoint as aud (control: what fails comes after client authentication)', async () => {
    for (const aud of [t.config.pgoUrl, `${t.config.pgoUrl}/token`]) {
      const reply = await redeemWith({ aud });
      expect(reply.status, aud).toBe(400);
      expect(reply.body.error, aud).not.toBe('invalid_client');
    }
  });

  it.each([
    ['an aud array that holds the token endpoint', () => ({ aud: [`${t.config.pgoUrl}/token`, 'https://other.example'] })],
    ['the authorization endpoint as aud', () => ({ aud: `${t.config.pgoUrl}/authorize` })],
    ['an exp an hour ahead', () => ({ exp: Math.floor(Date.now() / 1000) + 3600 })],
    ['an iat 2 minutes ahead', () => ({ iat: Math.floor(Date.now() / 1000) + 120 })],
  ])('refuses %s with 401 invalid_client', async (_name, claims) => {
    const reply = await redeemWith(claims());
    expect(reply.status).toBe(401);
    expect(reply.body.error).toBe('invalid_client');
  });
});
describe('RFC 8414 metadata (docs/decisions.md I147)', () => {
  const get = async (url: string) => (await t.app.inject({ method: 'GET', url, headers: { host: new URL(t.config.pgoUrl).host } })).json() as Record<string, unknown>;

  it('names no OpenID Connect member, no openid scope, no grant, endpoint or key set the server does not serve', async () => {
    const oauth = await get('/.well-known/oauth-authorization-server');
    for (const member of ['claims_supported', 'claim_types_supported', 'claims_parameter_supported', 'subject_types_supported', 'id_token_signing_alg_values_supported', 'pushed_authorization_request_endpoint', 'jwks_uri']) {
      expect(oauth, member).not.toHaveProperty(member);
    }
    expect(oauth.scopes_supported).not.toContain('openid');
    expect(oauth.grant_types_supported).toEqual(['authorization_code']);
  });

  it('agrees with the smart-configuration of the FHIR base on every member both have', async () => {
    const oauth = await get('/.well-known/oauth-authorization-server');
    const smart = await get('/fhir/.well-known/smart-configuration');
    const shared = Object.keys(oauth).filter((member) => member in smart);
    expect(shared).toEqual(expect.arrayContaining(['issuer', 'token_endpoint', 'scopes_supported', 'grant_types_supported', 'token_endpoint_auth_methods_supported', 'dpop_signing_alg_values_supported']));
    for (const member of shared) expect(oauth[member], member).toEqual(smart[member]);
  });
});
