import { generateKeyPairSync } from 'node:crypto';
import { CompactSign, exportJWK, generateKeyPair, SignJWT, UnsecuredJWT, type CryptoKey, type JWK, type KeyObject } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_ASSERTION_TYPE, createClientAssertion, verifyClientAssertion } from '../src/client-auth/index.ts';
import type { ClientAssertionAlgorithm, VerifyClientAssertionOptions } from '../src/client-auth/index.ts';
import { InvalidClient } from '../src/errors/index.ts';
import { MemoryStore, RedisStore, type KeyValueStore } from '../src/store/index.ts';
import { randomToken } from '../src/util/random.ts';
import { redisUrlOrSkip, testPrefix } from './support/redis.ts';

const ISSUER = 'https://dva.example';
const TOKEN_ENDPOINT = 'https://dva.example/token';
const CLIENT_ID = 'https://module.example';
const now = 1_750_000_000;
const clock = () => now;

type Pair = { publicKey: CryptoKey | KeyObject; privateKey: CryptoKey | KeyObject };
const pairs: Record<string, Pair> = {};
let jwks: { keys: JWK[] };
let store: MemoryStore;

beforeAll(async () => {
  for (const alg of ['ES256', 'ES384', 'Ed25519'] as const) pairs[alg] = await generateKeyPair(alg);
  pairs.RS384 = generateKeyPairSync('rsa', { modulusLength: 2048 }); // a KeyObject signs both RS384 and PS256
  pairs.attacker = await generateKeyPair('ES256');
  const kids = ['ES256', 'ES384', 'RS384', 'Ed25519'];
  jwks = { keys: await Promise.all(kids.map(async (kid) => ({ ...(await exportJWK(pairs[kid]!.publicKey)), kid }))) };
  store = new MemoryStore();
});
afterAll(() => store.close());

function verify(assertion: string, extra: Partial<VerifyClientAssertionOptions> = {}) {
  return verifyClientAssertion(assertion, {
    client: { client_id: CLIENT_ID, jwks },
    clientAssertionType: CLIENT_ASSERTION_TYPE,
    audiences: [ISSUER, TOKEN_ENDPOINT],
    store,
    clock,
    ...extra,
  });
}

/** Signs claims (defaults: a valid assertion; `undefined` removes one) with the ES256 key. */
async function sign(claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}, key: CryptoKey | KeyObject | Uint8Array = pairs.ES256!.privateKey) {
  const payload: Record<string, unknown> = { iss: CLIENT_ID, sub: CLIENT_ID, aud: TOKEN_ENDPOINT, iat: now, exp: now + 60, jti: randomToken(), ...claims };
  for (const name of Object.keys(payload)) if (payload[name] === undefined) delete payload[name];
  return new SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid: 'ES256', ...header }).sign(key);
}

async function expectInvalidClient(promise: Promise<unknown>, description: string) {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(InvalidClient);
  expect(error).toMatchObject({ error: 'invalid_client', status: 401, error_description: description });
}

describe('createClientAssertion + verifyClientAssertion', () => {
  it.each<[ClientAssertionAlgorithm, string]>([
    ['ES256', 'ES256'], ['ES384', 'ES384'], ['RS384', 'RS384'], ['Ed25519', 'Ed25519'], ['EdDSA', 'Ed25519'], ['PS256', 'RS384'],
  ])('round-trips %s with inline jwks', async (alg, kid) => {
    const assertion = await createClientAssertion({ clientId: CLIENT_ID, audience: TOKEN_ENDPOINT, privateKey: pairs[kid]!.privateKey, alg, kid, clock });
    const result = await verify(assertion);
    expect(result).toMatchObject({ clientId: CLIENT_ID, kid, claims: { iss: CLIENT_ID, sub: CLIENT_ID, aud: TOKEN_ENDPOINT, iat: now, exp: now + 60 } });
    expect(result.claims.jti).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(result.cnf).toBeUndefined();
  });

  it('carries cnf.jkt, accepts the issuer as aud, and satisfies requireCnf', async () => {
    const jkt = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs';
    const assertion = await createClientAssertion({
      clientId: CLIENT_ID, audience: ISSUER, privateKey: pairs.ES256!.privateKey, alg: 'ES256', kid: 'ES256', cnf: { jkt }, lifetime: 300, clock,
    });
    const result = await verify(assertion, { requireCnf: true });
    expect(result.cnf).toEqual({ jkt });
    expect(result.claims.exp).toBe(now + 300);
  });

  it('accepts the edges: exp 4 s past, exp = now + 300, iat and nbf = now + 60, form client_id equal', async () => {
    await verify(await sign({ exp: now - 4 }));
    await verify(await sign({ exp: now + 300 }));
    await verify(await sign({ iat: now + 60, nbf: now + 60 }), { formClientId: CLIENT_ID });
  });

  it('refuses configuration errors: none or HMAC in the allow-list, a lifetime of 0', async () => {
    await expect(verify(await sign(), { algorithms: ['ES256', 'HS256'] })).rejects.toBeInstanceOf(TypeError);
    await expect(verify(await sign(), { algorithms: ['none'] })).rejects.toBeInstanceOf(TypeError);
    const options = { clientId: CLIENT_ID, audience: ISSUER, privateKey: pairs.ES256!.privateKey, alg: 'ES256', kid: 'ES256', lifetime: 0 } as const;
    await expect(createClientAssertion(options)).rejects.toBeInstanceOf(RangeError);
  });
});

describe('verifyClientAssertion rejects (docs/security-checklists.md §3)', () => {
  it('(1) a wrong or absent client_assertion_type', async () => {
    await expectInvalidClient(verify(await sign(), { clientAssertionType: 'urn:ietf:params:oauth:client-assertion-type:saml2-bearer' }), 'invalid client_assertion_type');
    await expectInvalidClient(verify(await sign(), { clientAssertionType: undefined }), 'invalid client_assertion_type');
  });

  it('(2) a value that is not a compact JWS', async () => {
    await expectInvalidClient(verify('abc.def'), 'client assertion is not a compact JWS');
    await expectInvalidClient(verify('!!.e30.sig'), 'client assertion is not a compact JWS');
    const notJwt = await new CompactSign(new TextEncoder().encode('[]')).setProtectedHeader({ alg: 'ES256', kid: 'ES256' }).sign(pairs.ES256!.privateKey);
    await expectInvalidClient(verify(notJwt), 'client assertion is not a JWT');
  });

  it('(2) alg none', async () => {
    const payload = { iss: CLIENT_ID, sub: CLIENT_ID, aud: TOKEN_ENDPOINT, exp: now + 60, jti: randomToken() };
    await expectInvalidClient(verify(new UnsecuredJWT(payload).encode()), 'client assertion alg not allowed');
  });

  it('(2) HS256 signed with a shared secret', async () => {
    const secret = new TextEncoder().encode('a-shared-secret-of-at-least-32-bytes!!');
    await expectInvalidClient(verify(await sign({}, { alg: 'HS256' }, secret)), 'client assertion alg not allowed');
  });

  it('(2) RS384 and ES384 under the strict profile (docs/decisions-protocol.md D2)', async () => {
    const rs384 = await sign({}, { alg: 'RS384', kid: 'RS384' }, pairs.RS384!.privateKey);
    const es384 = await sign({}, { alg: 'ES384', kid: 'ES384' }, pairs.ES384!.privateKey);
    await expectInvalidClient(verify(rs384, { profile: 'strict' }), 'client assertion alg not allowed');
    await expectInvalidClient(verify(es384, { profile: 'strict' }), 'client assertion alg not allowed');
    await expect(verify(rs384)).resolves.toMatchObject({ kid: 'RS384' });
  });

  it('(2) a missing kid', async () => {
    await expectInvalidClient(verify(await sign({}, { kid: undefined })), 'client assertion kid missing');
  });

  it('(2) an unknown kid', async () => {
    await expectInvalidClient(verify(await sign({}, { kid: 'nope' })), 'client assertion key not found');
  });

  it('(2) a kid that names two registered keys (docs/decisions-protocol.md D4)', async () => {
    const doubled = { keys: [jwks.keys[0]!, { ...(await exportJWK(pairs.attacker!.publicKey)), kid: 'ES256' }] };
    await expectInvalidClient(verify(await sign(), { client: { client_id: CLIENT_ID, jwks: doubled } }), 'client keys repeat a kid');
  });

  it('(2) a registered key that does not fit the alg', async () => {
    const pinned = { keys: [{ ...jwks.keys[2]!, alg: 'RS384' }] };
    const ps256 = await sign({}, { alg: 'PS256', kid: 'RS384' }, pairs.RS384!.privateKey);
    await expectInvalidClient(verify(ps256, { client: { client_id: CLIENT_ID, jwks: pinned } }), 'client assertion key does not fit alg');
    const es256AsEs384 = await sign({}, { alg: 'ES384', kid: 'ES256' }, pairs.ES384!.privateKey);
    await expectInvalidClient(verify(es256AsEs384), 'client assertion key does not fit alg');
  });

  it('(2) a jku that is not the registered jwks_uri', async () => {
    await expectInvalidClient(verify(await sign({}, { jku: 'https://attacker.example/jwks' })), 'client assertion jku not registered');
  });

  it('(3) a client without registered keys, or with both jwks and jwks_uri', async () => {
    await expectInvalidClient(verify(await sign(), { client: { client_id: CLIENT_ID } }), 'client has no registered keys');
    const both = { client_id: CLIENT_ID, jwks, jwks_uri: 'https://module.example/jwks' };
    await expectInvalidClient(verify(await sign(), { client: both }), 'client keys misregistered');
  });

  it('(4) a bad signature, even with the signing key embedded as jwk', async () => {
    const attackerJwk = await exportJWK(pairs.attacker!.publicKey);
    const forged = await sign({}, { jwk: attackerJwk }, pairs.attacker!.privateKey);
    await expectInvalidClient(verify(forged), 'client assertion signature invalid');
  });

  it('(5) iss ≠ sub', async () => {
    await expectInvalidClient(verify(await sign({ sub: 'someone-else' })), 'client assertion iss/sub mismatch');
  });

  it('(5) iss = sub ≠ the registered client_id', async () => {
    await expectInvalidClient(verify(await sign({ iss: 'other', sub: 'other' })), 'client assertion iss/sub mismatch');
  });

  it('(5) a form client_id that differs', async () => {
    await expectInvalidClient(verify(await sign(), { formClientId: 'other' }), 'client_id does not match client assertion');
  });

  it('(6) an aud array, even one holding the right value (docs/decisions-protocol.md D1)', async () => {
    await expectInvalidClient(verify(await sign({ aud: [TOKEN_ENDPOINT] })), 'client assertion aud invalid');
  });

  it('(6) a wrong aud', async () => {
    await expectInvalidClient(verify(await sign({ aud: 'https://other-as.example/token' })), 'client assertion aud invalid');
  });

  it('(7) a missing exp', async () => {
    await expectInvalidClient(verify(await sign({ exp: undefined })), 'client assertion exp missing');
  });

  it('(7) an exp in the past beyond the skew', async () => {
    await expectInvalidClient(verify(await sign({ exp: now - 5 })), 'client assertion expired');
  });

  it('(7) an exp more than 300 s ahead', async () => {
    await expectInvalidClient(verify(await sign({ exp: now + 301 })), 'client assertion exp too far ahead');
  });

  it('(8) an iat or nbf more than 60 s in the future', async () => {
    await expectInvalidClient(verify(await sign({ iat: now + 61 })), 'client assertion iat in the future');
    await expectInvalidClient(verify(await sign({ nbf: now + 61 })), 'client assertion nbf in the future');
    await expectInvalidClient(verify(await sign({ iat: 'soon' })), 'client assertion iat malformed');
  });

  it('(9) a missing jti', async () => {
    await expectInvalidClient(verify(await sign({ jti: undefined })), 'client assertion jti missing');
  });

  it('(9) a jti longer than 256 characters', async () => {
    await expect(verify(await sign({ jti: 'j'.repeat(256) }))).resolves.toBeDefined();
    await expectInvalidClient(verify(await sign({ jti: 'k'.repeat(257) })), 'client assertion jti too long');
  });

  it('(9) a replayed jti; the same jti of another client is no collision', async () => {
    const jti = randomToken();
    const assertion = await sign({ jti });
    await verify(assertion);
    await expectInvalidClient(verify(assertion), 'client assertion jti already used');
    const other = 'https://other-module.example';
    const otherAssertion = await sign({ jti, iss: other, sub: other });
    await expect(verify(otherAssertion, { client: { client_id: other, jwks } })).resolves.toMatchObject({ clientId: other });
  });

  it('(10) a malformed cnf', async () => {
    await expectInvalidClient(verify(await sign({ cnf: { jkt: 'not-a-thumbprint' } })), 'client assertion cnf malformed');
    await expectInvalidClient(verify(await sign({ cnf: 'x' })), 'client assertion cnf malformed');
  });

  it('(10) no cnf when requireCnf', async () => {
    await expectInvalidClient(verify(await sign(), { requireCnf: true }), 'client assertion cnf missing');
  });
});

function raceSuite(name: string, makeStore: () => Promise<KeyValueStore | undefined>) {
  it(`of 50 concurrent verifications of one assertion exactly one succeeds (${name})`, async (ctx) => {
    const shared = await makeStore();
    if (!shared) return ctx.skip();
    try {
      const assertion = await sign();
      const results = await Promise.allSettled(Array.from({ length: 50 }, () => verify(assertion, { store: shared })));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ error_description: 'client assertion jti already used' });
    } finally {
      await shared.close();
    }
  });
}

describe('jti single use under concurrency (docs/decisions-protocol.md D12)', () => {
  raceSuite('MemoryStore', async () => new MemoryStore());
  raceSuite('RedisStore', async () => {
    const url = await redisUrlOrSkip('client-auth race');
    return url === undefined ? undefined : new RedisStore({ url, prefix: testPrefix('client-auth') });
  });
});
