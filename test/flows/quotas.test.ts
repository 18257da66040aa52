/**
 * Issue 14 item 7: quotas (docs/decisions.md I58). Per client at the DVA's PAR and token
 * endpoints, counted only once oidc-provider authenticated the client; per source address at
 * /authorize and at the FHIR server; over the limit: 429, Retry-After, an OAuth-style error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODULE, PGO, clientAssertion, post, startProtocolStack, type ProtocolStack } from '../support/protocol.ts';

let t: ProtocolStack;
beforeAll(async () => {
  const RATE_LIMITS = JSON.stringify({ par: { limit: 3, window: 60 }, authorize: { limit: 5, window: 60 }, fhir: { limit: 5, window: 60 } });
  t = await startProtocolStack({ env: { RATE_LIMITS }, logLevel: 'silent' });
});
afterAll(() => t?.close());

/** A PAR the client authenticates for, whatever the provider then thinks of its parameters. */
const par = (as: string) => post(t, '/par', { response_type: 'code', scope: 'openid', redirect_uri: `${t.urls.pgo}/callback` }, { as });

function expectTooMany(status: number, headers: Headers): void {
  expect(status).toBe(429); // RFC 6585 §4
  const retryAfter = Number(headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
}

describe('per-client quota at PAR', () => {
  it('lets a client push its quota, then answers 429; requests that only name the client do not count', async () => {
    for (let i = 0; i < 5; i++) {
      // unauthenticated: whoever names pgo-demo cannot spend its quota
      const forged = await post(t, '/par', { ...(await clientAssertion(t, PGO, t.keys.module)), response_type: 'code' }, { as: false });
      expect(forged.status).toBe(401);
      expect(forged.body.error).toBe('invalid_client');
    }
    for (let i = 0; i < 3; i++) expect((await par(PGO)).status).not.toBe(429);
    const refused = await par(PGO);
    expectTooMany(refused.status, refused.headers);
    expect(refused.body).toEqual({ error: 'temporarily_unavailable', error_description: expect.stringMatching(/too many requests/) });
    // another client has its own quota
    expect((await par(MODULE)).status).not.toBe(429);
  });
});

describe('per-source limits', () => {
  it.each(['dvaAuth', 'pgo'] as const)('%s /authorize: 429 with Retry-After past the limit', async (service) => {
    const authorize = () => fetch(`${t.urls[service]}/authorize?client_id=unknown&response_type=code`, { redirect: 'manual' });
    for (let i = 0; i < 5; i++) expect((await authorize()).status).toBe(400);
    const refused = await authorize();
    expectTooMany(refused.status, refused.headers);
  });

  it('dva-fhir: 429 with a throttled OperationOutcome past the limit', async () => {
    for (let i = 0; i < 5; i++) expect((await fetch(`${t.urls.dvaFhir}/metadata`)).status).toBe(200);
    const refused = await fetch(`${t.urls.dvaFhir}/metadata`);
    expectTooMany(refused.status, refused.headers);
    expect(await refused.json()).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'throttled' }] });
  });
});
