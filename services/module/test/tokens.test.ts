import { afterEach, describe, expect, it } from 'vitest';
import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader, type JWK } from 'jose';
import { sha256b64url } from '@koppelmij/core';
import { setup, type Harness } from './support/harness.ts';

let h: Harness;
afterEach(() => h.close());

async function launched(options: Parameters<typeof setup>[0] = {}): Promise<Harness> {
  h = await setup(options);
  const { callback } = await h.launchAndAuthorize();
  expect(callback.statusCode).toBe(303);
  return h;
}

const fhirRequests = () => h.fake.requests.filter((r) => r.path.startsWith('/fhir/') && !r.path.includes('.well-known'));

describe('DPoP on FHIR calls (RFC 9449 §7.1)', () => {
  it('sends every FHIR call with Authorization: DPoP and a fresh proof with ath, bound to the token key (RFC 9449 §7.1)', async () => {
    await launched();
    await h.browser.get('/m/module-3a/app');
    const tokenProof = String(h.fake.requestsTo('/token')[0]!.headers.dpop);
    const jkt = await calculateJwkThumbprint(decodeProtectedHeader(tokenProof).jwk as JWK);
    const calls = fhirRequests();
    // the two reads run concurrently, so their order is not fixed; the PATCH follows them
    const seen = calls.map((r) => `${r.method} ${r.path}`);
    expect([...seen.slice(0, 2)].sort()).toEqual(['GET /fhir/Patient/p1', 'GET /fhir/Task/t1']);
    expect(seen.slice(2)).toEqual(['PATCH /fhir/Task/t1']);
    const jtis = new Set<unknown>();
    for (const call of calls) {
      const [scheme, token] = String(call.headers.authorization).split(' ');
      expect(scheme).toBe('DPoP');
      const proof = String(call.headers.dpop);
      const claims = decodeJwt(proof);
      expect(claims.ath).toBe(sha256b64url(token!));
      expect(claims.htm).toBe(call.method);
      expect(claims.htu).toBe(`${h.fake.fhirOrigin}${call.path}`);
      expect(await calculateJwkThumbprint(decodeProtectedHeader(proof).jwk as JWK)).toBe(jkt);
      jtis.add(claims.jti);
    }
    expect(jtis.size).toBe(calls.length);
  });

});

describe('refresh (RFC 6749 §6; docs/protocol.md §4.7 sliding session)', () => {
  it('refreshes an access token about to expire, with a DPoP proof of the launch key, and uses the new token', async () => {
    h = await setup();
    h.fake.tokenBody = (body) => ({ ...body, expires_in: 30 });
    await h.launchAndAuthorize();
    expect((await h.browser.get('/m/module-3a/app')).statusCode).toBe(200);
    const [code, refresh] = h.fake.requestsTo('/token');
    expect(refresh!.body).toMatchObject({ grant_type: 'refresh_token', refresh_token: h.fake.issuedTokens[1] });
    const key = (r: typeof code) => JSON.stringify(decodeProtectedHeader(String(r!.headers.dpop)).jwk);
    expect(key(refresh)).toBe(key(code));
    const refreshed = h.fake.issuedTokens[3]; // after access, refresh, id token: the new access token
    expect(fhirRequests().every((r) => r.headers.authorization === `DPoP ${refreshed}`)).toBe(true);
  });

  it('ends the launch when the refresh is refused', async () => {
    h = await setup();
    h.fake.tokenBody = ({ refresh_token: _, ...body }) => ({ ...body, expires_in: 30, refresh_token: 'unknown' });
    await h.launchAndAuthorize();
    const page = await h.browser.get('/m/module-3a/app');
    expect(page.statusCode).toBe(401);
    expect(page.body).toContain('data-testid="module-error"');
    expect(fhirRequests()).toEqual([]);
    expect((await h.browser.get('/m/module-3a/app')).statusCode).toBe(401);
    expect(h.fake.requestsTo('/token')).toHaveLength(2);
  });
});

describe('DPoP nonces (RFC 9449 §8, §9)', () => {
  it('retries once with the server nonce at the token endpoint and at the FHIR server', async () => {
    await launched({ nonces: true });
    const tokenCalls = h.fake.requestsTo('/token');
    expect(tokenCalls).toHaveLength(2);
    expect(decodeJwt(String(tokenCalls[0]!.headers.dpop)).nonce).toBeUndefined();
    expect(decodeJwt(String(tokenCalls[1]!.headers.dpop)).nonce).toBeTypeOf('string');

    const page = await h.browser.get('/m/module-3a/app');
    expect(page.statusCode).toBe(200);
    // the authorization server's nonce does not serve the FHIR server: the two parallel reads are
    // challenged once each and retried with its nonce; the later PATCH carries it from the start
    const nonceOf = (c: { headers: Record<string, unknown> }) => decodeJwt(String(c.headers.dpop)).nonce;
    const calls = fhirRequests().map((c) => [`${c.method} ${c.path}`, nonceOf(c) === undefined ? 'no nonce' : 'nonce']);
    expect(calls.filter(([, n]) => n === 'no nonce').map(([call]) => call).sort()).toEqual(['GET /fhir/Patient/p1', 'GET /fhir/Task/t1']);
    expect(calls.filter(([, n]) => n === 'nonce').map(([call]) => call).sort()).toEqual(['GET /fhir/Patient/p1', 'GET /fhir/Task/t1', 'PATCH /fhir/Task/t1']);
  });
});
