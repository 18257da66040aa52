/**
 * Every service sends the security headers of service-kit's registerSecurityHeaders on its own
 * pages and on what oidc-provider writes itself (docs/decisions.md I55): no framing, no sniffing,
 * no Referer, no caching of pages and OAuth answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Service, type Stack } from '../../scripts/stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ ports: { pgo: 0, dvaAuth: 0, dvaFhir: 0, module: 0, digid: 0 }, logLevel: 'silent' });
});
afterAll(() => stack?.close());

const origin = (s: Service) => new URL(stack.urls[s]).origin;

function expectHeaders(response: Response): void {
  expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  expect(response.headers.get('x-frame-options')).toBe('DENY');
  expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  expect(response.headers.get('referrer-policy')).toBe('no-referrer');
  expect(response.headers.get('cache-control')).toBe('no-store');
  expect(response.headers.has('strict-transport-security')).toBe(false); // the stack runs on http
}

const get = (url: string) => fetch(url, { redirect: 'manual' });
/** An authorization request oidc-provider refuses with its own HTML error page. */
const badAuthorize = (s: Service) => get(`${origin(s)}/${s === 'digid' ? 'auth' : 'authorize'}?client_id=unknown&response_type=code&scope=openid`);

describe('security headers (issue 10 item 4)', () => {
  it.each(['pgo', 'module'] as const)('%s: the start page', async (s) => {
    const response = await get(`${origin(s)}/`);
    expect(response.status).toBe(200);
    expectHeaders(response);
  });

  it.each(['dvaAuth', 'digid'] as const)('%s: an interaction page', async (s) => {
    const response = await get(`${origin(s)}/interaction/unknown`);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expectHeaders(response);
  });

  it.each(['dvaAuth', 'digid', 'pgo'] as const)('%s: a page oidc-provider writes itself', async (s) => {
    const response = await badAuthorize(s);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expectHeaders(response);
  });

  it('dva-auth: a token endpoint answer oidc-provider writes', async () => {
    // no client authentication: 401 invalid_client (RFC 6749 §5.2; docs/decisions.md I49)
    const response = await fetch(`${origin('dvaAuth')}/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'authorization_code' }) });
    expect(response.status).toBe(401);
    expectHeaders(response);
  });

  it("dva-auth: oidc-provider's form_post page may run its one inline script, by hash", async () => {
    const url = new URL(`${origin('dvaAuth')}/authorize`);
    url.search = new URLSearchParams({ client_id: 'pgo-demo', redirect_uri: `${stack.urls.pgo}/callback`, response_type: 'code', scope: 'openid', response_mode: 'form_post' }).toString();
    const response = await get(url.href);
    expect(await response.text()).toContain('document.forms[0].submit()');
    expect(response.headers.get('content-security-policy')).toMatch(/script-src 'self' 'sha256-[A-Za-z0-9+/=]+'/);
    expectHeaders(response);
  });

  it('dva-fhir: a refused data request', async () => {
    const response = await get(`${stack.urls.dvaFhir}/Patient`);
    expect(response.status).toBe(401);
    expectHeaders(response);
  });
});
