/**
 * RFC 9449 §4.3 checks (8), (9), (11), (12) and the §11.1 jti replay check (docs/security-checklists.md §1.1);
 * the nonce check (10) is in dpop-nonce.test.ts, htu normalization in dpop-htu.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDpopProof, DPOP_ERRORS, generateDpopKey, verifyDpopProof, type DpopKey, type VerifyDpopProofOptions } from '../src/dpop/index.ts';
import { InvalidDpopProof, InvalidToken } from '../src/errors/index.ts';
import { MemoryStore, RedisStore, type KeyValueStore } from '../src/store/index.ts';
import { redisUrlOrSkip, testPrefix } from './support/redis.ts';

const HTU = 'https://rs.example.nl/fhir/Patient/1';
const T = 1_750_000_000;
let key: DpopKey;
let other: DpopKey;

beforeAll(async () => {
  key = await generateDpopKey();
  other = await generateDpopKey();
});

const proofFor = (extra: Partial<Parameters<typeof createDpopProof>[0]> = {}) =>
  createDpopProof({ key, htm: 'GET', htu: HTU, iat: T, ...extra });
const verify = (proof: string, extra: Partial<VerifyDpopProofOptions> = {}) =>
  verifyDpopProof(proof, { htm: 'GET', htu: HTU, store: new MemoryStore(), clock: () => T, ...extra });

async function expectInvalid(promise: Promise<unknown>, description: string, status = 400) {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(InvalidDpopProof);
  expect(error).toMatchObject({ error: 'invalid_dpop_proof', error_description: description, status });
}

describe('RFC 9449 §4.3 (8) htm', () => {
  it('matches the request method case-sensitively', async () => {
    await expectInvalid(verify(await proofFor({ htm: 'get' })), DPOP_ERRORS.htm);
    await expectInvalid(verify(await proofFor({ htm: 'POST' })), DPOP_ERRORS.htm);
  });
});

describe('RFC 9449 §4.3 (9) htu', () => {
  it('a proof for another URI is rejected', async () => {
    await expectInvalid(verify(await proofFor({ htu: 'https://rs.example.nl/fhir/Patient/2' })), DPOP_ERRORS.htu);
    await expectInvalid(verify(await proofFor({ htu: 'https://evil.example/fhir/Patient/1' })), DPOP_ERRORS.htu);
  });
});

describe('RFC 9449 §4.3 (11) iat window', () => {
  it('accepts iat up to 60 s old and 10 s ahead', async () => {
    await expect(verify(await proofFor(), { clock: () => T + 60 })).resolves.toMatchObject({ iat: T });
    await expect(verify(await proofFor(), { clock: () => T - 10 })).resolves.toMatchObject({ iat: T });
  });

  it('rejects iat more than 60 s old', async () => {
    await expectInvalid(verify(await proofFor(), { clock: () => T + 61 }), DPOP_ERRORS.iat);
  });

  it('rejects iat more than 10 s in the future', async () => {
    await expectInvalid(verify(await proofFor(), { clock: () => T - 11 }), DPOP_ERRORS.iat);
  });

  it('honours a configured window', async () => {
    await expectInvalid(verify(await proofFor(), { clock: () => T + 31, iatWindow: { past: 30, future: 0 } }), DPOP_ERRORS.iat);
  });
});

describe('RFC 9449 §4.3 (12) access token binding', () => {
  it('(12a) with an access token, a proof without ath is rejected', async () => {
    await expectInvalid(verify(await proofFor(), { accessToken: 'the-token' }), DPOP_ERRORS.missingClaim);
  });

  it('(12a) ath of another access token is rejected', async () => {
    await expectInvalid(verify(await proofFor({ accessToken: 'another-token' }), { accessToken: 'the-token' }), DPOP_ERRORS.ath);
  });

  it('(12a) the right ath is accepted', async () => {
    await expect(verify(await proofFor({ accessToken: 'the-token' }), { accessToken: 'the-token' })).resolves.toMatchObject({ jkt: key.jkt });
  });

  it('(12b) a proof by another key than the bound one is rejected: invalid_dpop_proof at the AS', async () => {
    await expectInvalid(verify(await proofFor(), { expectedJkt: other.jkt }), DPOP_ERRORS.binding);
  });

  it('(12b) … and invalid_token (401) at a resource server (RFC 9449 §7.1)', async () => {
    const proof = await proofFor({ accessToken: 'the-token' });
    const error = await verify(proof, { accessToken: 'the-token', expectedJkt: other.jkt, context: 'rs' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidToken);
    expect(error).toMatchObject({ error: 'invalid_token', error_description: DPOP_ERRORS.binding, status: 401 });
  });

  it('(12b) the bound key is accepted', async () => {
    await expect(verify(await proofFor(), { expectedJkt: key.jkt })).resolves.toMatchObject({ jkt: key.jkt });
  });
});

describe('RFC 9449 §11.1 jti replay', () => {
  it('the second verification of the same proof fails', async () => {
    const shared = new MemoryStore();
    const proof = await proofFor();
    await verify(proof, { store: shared });
    await expectInvalid(verify(proof, { store: shared }), DPOP_ERRORS.replay);
  });

  it('a failed check consumes nothing: the proof still verifies afterwards', async () => {
    const shared = new MemoryStore();
    const proof = await proofFor();
    await expectInvalid(verify(proof, { store: shared, htm: 'POST' }), DPOP_ERRORS.htm);
    expect(shared.size).toBe(0);
    await expect(verify(proof, { store: shared })).resolves.toMatchObject({ jti: expect.any(String) });
  });

  it('the same jti for a different htu does not collide', async () => {
    const shared = new MemoryStore();
    const a = await proofFor({ jti: 'same-jti' });
    const b = await proofFor({ jti: 'same-jti', htu: 'https://rs.example.nl/fhir/Patient/2' });
    await verify(a, { store: shared });
    await expect(verify(b, { store: shared, htu: 'https://rs.example.nl/fhir/Patient/2' })).resolves.toMatchObject({ jti: 'same-jti' });
    expect(shared.size).toBe(2);
  });

  it('a jti longer than 256 characters is rejected before anything is stored', async () => {
    const shared = new MemoryStore();
    await expectInvalid(verify(await proofFor({ jti: 'x'.repeat(257) }), { store: shared }), DPOP_ERRORS.jtiTooLong);
    expect(shared.size).toBe(0);
    await expect(verify(await proofFor({ jti: 'x'.repeat(256) }), { store: shared })).resolves.toBeDefined();
  });

  it('replay at a resource server is a 401', async () => {
    const shared = new MemoryStore();
    const proof = await proofFor();
    await verify(proof, { store: shared, context: 'rs' });
    await expectInvalid(verify(proof, { store: shared, context: 'rs' }), DPOP_ERRORS.replay, 401);
  });
});

/** 50 concurrent verifications of one proof: exactly one wins (docs/decisions-protocol.md D12). */
async function race(shared: KeyValueStore) {
  const proof = await proofFor();
  const results = await Promise.allSettled(Array.from({ length: 50 }, () => verify(proof, { store: shared })));
  const fulfilled = results.filter((r) => r.status === 'fulfilled');
  const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  expect(fulfilled).toHaveLength(1);
  expect(rejected).toHaveLength(49);
  for (const r of rejected) expect(r.reason).toMatchObject({ error: 'invalid_dpop_proof', error_description: DPOP_ERRORS.replay });
}

const redisUrl = await redisUrlOrSkip('DPoP jti replay on Redis');

describe('jti replay under concurrency', () => {
  it('MemoryStore: of 50 concurrent verifications exactly one succeeds', async () => {
    await race(new MemoryStore());
  });

  describe.skipIf(!redisUrl)('redis', () => {
    const redis = redisUrl ? new RedisStore({ url: redisUrl, prefix: testPrefix('dpop') }) : undefined;
    afterAll(() => redis?.close());

    it('RedisStore: of 50 concurrent verifications exactly one succeeds', async () => {
      await race(redis!);
    });
  });
});
