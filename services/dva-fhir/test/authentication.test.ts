import { randomToken } from '@koppelmij/core/util';
import { generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokedGrantKey } from '@koppelmij/core';
import { body, FHIR, generateDpopKey, harness, issueCode, type Harness } from './support.ts';

// Each test: the exact status, OperationOutcome issue code and challenge (RFC 6750 §3, RFC 9449 §7.1).
describe('dva-fhir authentication (docs/protocol.md §8 items 19, 23; docs/security-checklists.md §1.3)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
  });
  afterAll(() => h.close());

  const invalidToken = (response: Awaited<ReturnType<Harness['request']>>) => {
    expect(response.statusCode).toBe(401);
    expect(issueCode(response)).toBe('login');
    expect(response.headers['content-type']).toMatch(/^application\/fhir\+json/);
    expect(response.headers['www-authenticate']).toEqual([
      'Bearer error="invalid_token", error_description="The access token is invalid"',
      expect.stringMatching(/^DPoP algs="[^"]*ES256/),
    ]);
  };

  it('answers a request without a token with 401 and the bare DPoP and Bearer challenges', async () => {
    const response = await h.request('GET', 'Task/task-3a');
    expect(response.statusCode).toBe(401);
    expect(issueCode(response)).toBe('login');
    const [dpop, bearer] = response.headers['www-authenticate'] as string[];
    expect(dpop).toMatch(/^DPoP algs="ES256 ES384 PS256 EdDSA Ed25519"$/);
    expect(bearer).toBe('Bearer');
  });

  it('accepts a valid unbound token as Bearer', async () => {
    const response = await h.request('GET', 'Task/task-3a', await h.token());
    expect(response.statusCode).toBe(200);
    expect(body(response)).toMatchObject({ resourceType: 'Task', id: 'task-3a' });
  });

  it('rejects a garbage token', async () => {
    invalidToken(await h.request('GET', 'Task/task-3a', 'not.a.jwt'));
  });

  it('rejects a launch code (opaque 256-bit value, token_type N_A) as a Bearer token (docs/protocol.md §8 item 19)', async () => {
    invalidToken(await h.request('GET', 'Task/task-3a', randomToken()));
  });

  it('rejects a token for another audience', async () => {
    invalidToken(await h.request('GET', 'Task/task-3a', await h.token({ aud: 'http://other.localhost/fhir' })));
  });

  it('rejects a token from another issuer', async () => {
    invalidToken(await h.request('GET', 'Task/task-3a', await h.token({ iss: 'http://evil.localhost' })));
  });

  it('rejects a token signed with a key that is not the DVA\'s', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    invalidToken(await h.request('GET', 'Task/task-3a', await h.token({}, privateKey)));
  });

  it('rejects an expired token', async () => {
    const now = Math.floor(Date.now() / 1000);
    const response = await h.request('GET', 'Task/task-3a', await h.token({ iat: now - 900, exp: now - 60 }));
    expect(response.statusCode).toBe(401);
    expect(issueCode(response)).toBe('login');
    expect(response.headers['www-authenticate']?.[0]).toContain('error_description="The access token expired"');
  });

  it('rejects a token whose grant was revoked (docs/protocol.md §8 item 17)', async () => {
    const token = await h.token({ grant_id: 'grant-revoked' });
    expect((await h.request('GET', 'Task/task-3a', token)).statusCode).toBe(200);
    await h.store.set(revokedGrantKey('grant-revoked'), 1, 60);
    const response = await h.request('GET', 'Task/task-3a', token);
    expect(response.statusCode).toBe(401);
    expect(issueCode(response)).toBe('login');
    expect(response.headers['www-authenticate']?.[0]).toBe('Bearer error="invalid_token", error_description="The access token has been revoked"');
  });

  it('rejects two Authorization headers with 400 invalid_request (RFC 6750 §3.1)', async () => {
    const token = await h.token();
    const response = await h.app.inject({
      method: 'GET',
      url: '/fhir/Task/task-3a',
      // light-my-request sends an array as repeated header fields; its types allow only a string
      headers: { authorization: [`Bearer ${token}`, `Bearer ${token}`] as unknown as string },
    });
    expect(response.statusCode).toBe(400);
    expect(issueCode(response)).toBe('invalid');
  });

  it('rejects a token without a patient from a client that is not a system client', async () => {
    const response = await h.request('GET', 'Task/task-3a', await h.token({ patient: undefined }));
    expect(response.statusCode).toBe(403);
    expect(issueCode(response)).toBe('forbidden');
  });

  describe('DPoP-bound tokens (RFC 9449 §7)', () => {
    it('accepts a bound token with a valid proof', async () => {
      const key = await generateDpopKey();
      const token = await h.token({ cnf: { jkt: key.jkt } });
      const response = await h.dpopRequest('GET', 'Task/task-3a', token, key);
      expect(response.statusCode).toBe(200);
    });

    it('rejects a bound token presented as Bearer (§7.2, docs/protocol.md §8 item 23)', async () => {
      const key = await generateDpopKey();
      const response = await h.request('GET', 'Task/task-3a', await h.token({ cnf: { jkt: key.jkt } }));
      expect(response.statusCode).toBe(401);
      expect(issueCode(response)).toBe('login');
      expect(response.headers['www-authenticate']?.[0]).toContain('requires the DPoP scheme');
    });

    it('rejects a proof whose ath is for another token', async () => {
      const key = await generateDpopKey();
      const token = await h.token({ cnf: { jkt: key.jkt } });
      const response = await h.dpopRequest('GET', 'Task/task-3a', token, key, { ath: await h.token() });
      expect(response.statusCode).toBe(401);
      expect(issueCode(response)).toBe('security');
      expect(response.headers['www-authenticate']).toMatch(/^DPoP error="invalid_dpop_proof", error_description="DPoP proof ath does not match/);
    });

    it('rejects a proof signed with another key than cnf.jkt', async () => {
      const [bound, other] = [await generateDpopKey(), await generateDpopKey()];
      const response = await h.dpopRequest('GET', 'Task/task-3a', await h.token({ cnf: { jkt: bound.jkt } }), other);
      expect(response.statusCode).toBe(401);
      expect(response.headers['www-authenticate']).toMatch(/^DPoP error="invalid_token"/);
    });

    it('checks htu against the configured public URL, not the Host header', async () => {
      const key = await generateDpopKey();
      const token = await h.token({ cnf: { jkt: key.jkt } });
      const response = await h.dpopRequest('GET', 'Task/task-3a', token, key, { htu: 'http://localhost/fhir/Task/task-3a' });
      expect(response.statusCode).toBe(401);
      expect(issueCode(response)).toBe('security');
      expect(response.headers['www-authenticate']).toContain('htu does not match');
    });

    it('rejects a replayed proof', async () => {
      const key = await generateDpopKey();
      const token = await h.token({ cnf: { jkt: key.jkt } });
      const { createDpopProof } = await import('@koppelmij/core/dpop');
      const dpop = await createDpopProof({ key, htm: 'GET', htu: `${FHIR}/Task/task-3a`, accessToken: token });
      const send = () => h.app.inject({ method: 'GET', url: '/fhir/Task/task-3a', headers: { authorization: `DPoP ${token}`, dpop } });
      expect((await send()).statusCode).toBe(200);
      const replay = await send();
      expect(replay.statusCode).toBe(401);
      expect(replay.headers['www-authenticate']).toContain('already been used');
    });
  });
});

describe('dva-fhir with DPOP_REQUIRED and RS nonces (docs/decisions-protocol.md D9, RFC 9449 §9)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness({ DPOP_REQUIRED: 'true', DPOP_NONCE_SECRET: Buffer.alloc(32, 7).toString('base64url') });
  });
  afterAll(() => h.close());

  it('refuses an unbound token and offers only the DPoP scheme', async () => {
    const response = await h.request('GET', 'Task/task-3a', await h.token());
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']?.[0]).toContain('A DPoP-bound access token is required');
    const bare = await h.request('GET', 'Task/task-3a');
    expect(bare.headers['www-authenticate']).toMatch(/^DPoP algs="/);
  });

  it('answers a proof without a nonce with use_dpop_nonce and a DPoP-Nonce header', async () => {
    const key = await generateDpopKey();
    const response = await h.dpopRequest('GET', 'Task/task-3a', await h.token({ cnf: { jkt: key.jkt } }), key);
    expect(response.statusCode).toBe(401);
    expect(issueCode(response)).toBe('security');
    expect(response.headers['www-authenticate']).toMatch(/^DPoP error="use_dpop_nonce"/);
    expect(response.headers['dpop-nonce']).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('accepts a proof with the nonce it issued, and sends a fresh one with the data', async () => {
    const key = await generateDpopKey();
    const token = await h.token({ cnf: { jkt: key.jkt } });
    const nonce = (await h.dpopRequest('GET', 'Task/task-3a', token, key)).headers['dpop-nonce'] as string;
    const response = await h.dpopRequest('GET', 'Task/task-3a', token, key, { nonce });
    expect(response.statusCode).toBe(200);
    expect(response.headers['dpop-nonce']).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
