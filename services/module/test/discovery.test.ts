/**
 * RFC 9207 §3 at the module: where it learns that an authorization server puts `iss` in its
 * authorization responses (docs/decisions.md I65).
 */
import { describe, expect, it } from 'vitest';
import { DiscoveryError, SmartDiscovery, type SmartMetadata } from '../src/discovery.ts';

const AS = 'https://as.example';
const smart: SmartMetadata = { issuer: AS, jwks_uri: `${AS}/jwks`, authorization_endpoint: `${AS}/authorize`, token_endpoint: `${AS}/token` };

function discovery(answer: (url: string) => Response) {
  const fetched: string[] = [];
  const fetch = (async (input: string | URL | Request) => {
    fetched.push(String(input));
    return answer(String(input));
  }) as typeof globalThis.fetch;
  return { discovery: new SmartDiscovery({ fetch }), fetched };
}
const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('SmartDiscovery.authorizationServer', () => {
  it('takes the SMART configuration at its word, fetching nothing', async () => {
    const d = discovery(() => json({}, 500));
    expect(await d.discovery.authorizationServer({ ...smart, authorization_response_iss_parameter_supported: true })).toEqual({ issuer: AS, issRequired: true });
    expect(await d.discovery.authorizationServer({ ...smart, authorization_response_iss_parameter_supported: false })).toEqual({ issuer: AS, issRequired: false });
    expect(d.fetched).toEqual([]);
  });

  it('else reads the issuer’s OpenID configuration (oidc-provider advertises it)', async () => {
    const d = discovery(() => json({ issuer: AS, jwks_uri: `${AS}/jwks`, authorization_response_iss_parameter_supported: true }));
    expect(await d.discovery.authorizationServer(smart)).toEqual({ issuer: AS, issRequired: true });
    expect(d.fetched).toEqual([`${AS}/.well-known/openid-configuration`]);
  });

  it('takes the origin of the authorization endpoint when the SMART configuration names no issuer', async () => {
    const { issuer: _issuer, ...withoutIssuer } = smart;
    const d = discovery(() => json({ issuer: AS, jwks_uri: `${AS}/jwks` }));
    expect(await d.discovery.authorizationServer(withoutIssuer)).toEqual({ issuer: AS, issRequired: false });
  });

  it('an issuer without an OpenID configuration (404) advertises nothing', async () => {
    const d = discovery(() => json({}, 404));
    expect(await d.discovery.authorizationServer(smart)).toEqual({ issuer: AS, issRequired: false });
  });

  it.each([
    ['a server error', () => json({}, 500)],
    ['another issuer (OIDC Discovery §4.3)', () => json({ issuer: 'https://evil.example', jwks_uri: `${AS}/jwks`, authorization_response_iss_parameter_supported: true })],
    ['a document it cannot use', () => json({ issuer: AS })],
  ])('refuses %s rather than guess', async (_name, answer) => {
    await expect(discovery(answer).discovery.authorizationServer(smart)).rejects.toBeInstanceOf(DiscoveryError);
  });
});
