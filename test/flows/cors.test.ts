/**
 * Issue 12 item 1: a browser SMART app (fhirclient's browser build) must be able to run discovery,
 * the token request and FHIR calls across origins (SMART App Launch 2.x, CORS), the registered
 * clients' origins only, and never `/authorize` (docs/decisions.md I57).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../scripts/stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ ports: { pgo: 0, dvaAuth: 0, dvaFhir: 0, module: 0, digid: 0 }, logLevel: 'silent' });
});
afterAll(() => stack?.close());

/** The registered modules' redirect URIs are on the module's origin. */
const registered = () => stack.urls.module;
const UNREGISTERED = 'http://evil.localhost:1';

const preflight = (url: string, origin: string, method = 'POST') =>
  fetch(url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization, dpop, content-type' } });

function expectAllowed(response: Response, origin: string): void {
  expect(response.headers.get('access-control-allow-origin')).toBe(origin);
  expect(response.headers.get('access-control-allow-credentials')).toBeNull();
}

describe('CORS for browser SMART apps', () => {
  it('dva-fhir: discovery and metadata for any origin; a preflight and a data request for a registered one', async () => {
    for (const path of ['/.well-known/smart-configuration', '/metadata']) {
      const response = await fetch(`${stack.urls.dvaFhir}${path}`, { headers: { origin: UNREGISTERED } });
      expect(response.status).toBe(200);
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
    }
    const pre = await preflight(`${stack.urls.dvaFhir}/Patient/x`, registered(), 'GET');
    expect(pre.status).toBe(204);
    expectAllowed(pre, registered());
    expect(pre.headers.get('access-control-allow-headers')).toBe('Authorization, DPoP, Content-Type');
    const data = await fetch(`${stack.urls.dvaFhir}/Patient/x`, { headers: { origin: registered() } });
    expect(data.status).toBe(401);
    expectAllowed(data, registered());
    expect(data.headers.get('access-control-expose-headers')).toBe('WWW-Authenticate, DPoP-Nonce'); // the app must read the challenge
  });

  it('dva-fhir: an unregistered origin gets no Access-Control-Allow-Origin', async () => {
    expect((await preflight(`${stack.urls.dvaFhir}/Patient/x`, UNREGISTERED, 'GET')).headers.get('access-control-allow-origin')).toBeNull();
    expect((await fetch(`${stack.urls.dvaFhir}/Patient/x`, { headers: { origin: UNREGISTERED } })).headers.get('access-control-allow-origin')).toBeNull();
  });

  it("dva-auth: the token endpoint's preflight and answer for a registered origin, nothing for another", async () => {
    const pre = await preflight(`${stack.urls.dvaAuth}/token`, registered());
    expect(pre.status).toBe(204);
    expectAllowed(pre, registered());
    // no client authentication: 401 invalid_client (RFC 6749 §5.2; docs/decisions.md I49), readable by the registered origin
    const answer = await fetch(`${stack.urls.dvaAuth}/token`, { method: 'POST', headers: { origin: registered() }, body: new URLSearchParams({ grant_type: 'authorization_code' }) });
    expect(answer.status).toBe(401);
    expectAllowed(answer, registered());
    expect((await preflight(`${stack.urls.dvaAuth}/token`, UNREGISTERED)).headers.get('access-control-allow-origin')).toBeNull();
    const discovery = await fetch(`${stack.urls.dvaAuth}/.well-known/openid-configuration`, { headers: { origin: UNREGISTERED } });
    expect(discovery.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('dva-auth and the PGO: /authorize gets no CORS headers', async () => {
    for (const base of [stack.urls.dvaAuth, stack.urls.pgo]) {
      const response = await fetch(`${base}/authorize?client_id=x`, { headers: { origin: registered() }, redirect: 'manual' });
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      expect((await preflight(`${base}/authorize`, registered(), 'GET')).headers.get('access-control-allow-origin')).toBeNull();
    }
  });

  it("the PGO's SMART authorization server: discovery and token for a registered origin", async () => {
    const discovery = await fetch(`${stack.urls.pgo}/fhir/.well-known/smart-configuration`, { headers: { origin: registered() } });
    expect(discovery.headers.get('access-control-allow-origin')).toBe('*');
    const pre = await preflight(`${stack.urls.pgo}/token`, registered());
    expect(pre.status).toBe(204);
    expectAllowed(pre, registered());
    expect((await preflight(`${stack.urls.pgo}/token`, UNREGISTERED)).headers.get('access-control-allow-origin')).toBeNull();
  });
});
