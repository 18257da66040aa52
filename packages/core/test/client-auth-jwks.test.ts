import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CLIENT_ASSERTION_TYPE, createClientAssertion, JwksCache, verifyClientAssertion, type JwksCacheOptions } from '../src/client-auth/index.ts';
import { InvalidClient } from '../src/errors/index.ts';
import { MemoryStore } from '../src/store/index.ts';
import { randomToken } from '../src/util/random.ts';

const TOKEN_ENDPOINT = 'https://dva.example/token';
const CLIENT_ID = 'https://module.example';
let now = 1_750_000_000;
const clock = () => now;

// The client's key server: serves `served` with `cacheControl`, and counts requests.
let served: { status: number; body: string; cacheControl: string };
let requests = 0;
let server: Server;
let base: string;

const keys: Record<string, { privateKey: CryptoKey; jwk: JWK }> = {};
let store: MemoryStore;

beforeAll(async () => {
  for (const kid of ['k1', 'k2', 'k3']) {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    keys[kid] = { privateKey, jwk: { ...(await exportJWK(publicKey)), kid } };
  }
  server = createServer((_req, res) => {
    requests += 1;
    res.writeHead(served.status, { 'content-type': 'application/json', 'cache-control': served.cacheControl });
    res.end(served.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  store = new MemoryStore();
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await store.close();
});

beforeEach(() => {
  requests = 0;
  now += 10_000; // every test starts on a fresh time, and each uses its own cache
  serve(['k1']);
});

function serve(kids: string[], cacheControl = 'max-age=300', status = 200) {
  served = { status, cacheControl, body: JSON.stringify({ keys: kids.map((kid) => keys[kid]!.jwk) }) };
}

function cache(options: JwksCacheOptions = {}) {
  return new JwksCache({ allowHttpLoopback: true, clock, ...options });
}

async function assertion(kid: string) {
  return createClientAssertion({ clientId: CLIENT_ID, audience: TOKEN_ENDPOINT, privateKey: keys[kid]!.privateKey, alg: 'ES256', kid, clock });
}

function verify(jwt: string, jwks: JwksCache, path = '/jwks') {
  return verifyClientAssertion(jwt, {
    client: { client_id: CLIENT_ID, jwks_uri: base + path },
    clientAssertionType: CLIENT_ASSERTION_TYPE,
    audiences: [TOKEN_ENDPOINT],
    store,
    keys: jwks,
    clock,
  });
}

async function expectInvalidClient(promise: Promise<unknown>, description: string) {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(InvalidClient);
  expect(error).toMatchObject({ error: 'invalid_client', status: 401, error_description: description });
}

describe('verifyClientAssertion with jwks_uri', () => {
  it('verifies against the fetched set, and a second verification fetches nothing', async () => {
    const jwks = cache();
    await expect(verify(await assertion('k1'), jwks)).resolves.toMatchObject({ clientId: CLIENT_ID, kid: 'k1' });
    await expect(verify(await assertion('k1'), jwks)).resolves.toMatchObject({ kid: 'k1' });
    expect(requests).toBe(1);
  });

  it('accepts a jku equal to the registered jwks_uri and rejects any other (docs/security-checklists.md §3 (2))', async () => {
    const jwks = cache();
    const signWithJku = (jku: string) =>
      new SignJWT({ jti: randomToken() })
        .setProtectedHeader({ alg: 'ES256', kid: 'k1', jku })
        .setIssuer(CLIENT_ID)
        .setSubject(CLIENT_ID)
        .setAudience(TOKEN_ENDPOINT)
        .setExpirationTime(now + 60)
        .sign(keys.k1!.privateKey);
    await expect(verify(await signWithJku(`${base}/jwks`), jwks)).resolves.toBeDefined();
    await expectInvalidClient(verify(await signWithJku(`${base}/other`), jwks), 'client assertion jku not registered');
  });

  it('requires options.keys for a jwks_uri client', async () => {
    const jwt = await assertion('k1');
    const options = { client: { client_id: CLIENT_ID, jwks_uri: `${base}/jwks` }, audiences: [TOKEN_ENDPOINT], store, clock };
    await expect(verifyClientAssertion(jwt, options)).rejects.toBeInstanceOf(TypeError);
  });
});

describe('JwksCache (docs/security-checklists.md §3 (3))', () => {
  it('refetches once for a rotated key after refetchInterval, and a second unknown kid does not refetch', async () => {
    const jwks = cache({ refetchInterval: 30 });
    await verify(await assertion('k1'), jwks);
    serve(['k1', 'k2']);
    now += 31;
    await expect(verify(await assertion('k2'), jwks)).resolves.toMatchObject({ kid: 'k2' });
    expect(requests).toBe(2);
    serve(['k1', 'k2', 'k3']);
    now += 29;
    await expectInvalidClient(verify(await assertion('k3'), jwks), 'client assertion key not found');
    expect(requests).toBe(2);
  });

  it('does not refetch for an unknown kid right after a fetch', async () => {
    const jwks = cache({ refetchInterval: 30 });
    await jwks.getKeys(`${base}/jwks`, { kid: 'k1' });
    serve(['k1', 'k2']);
    await expectInvalidClient(verify(await assertion('k2'), jwks), 'client assertion key not found');
    expect(requests).toBe(1);
  });

  it('honours Cache-Control max-age', async () => {
    serve(['k1'], 'public, max-age=120');
    const jwks = cache();
    await jwks.getKeys(`${base}/jwks`, { kid: 'k1' });
    now += 119;
    await jwks.getKeys(`${base}/jwks`, { kid: 'k1' });
    expect(requests).toBe(1);
    now += 1;
    await jwks.getKeys(`${base}/jwks`, { kid: 'k1' });
    expect(requests).toBe(2);
  });

  it('clamps max-age to [minTtl, maxTtl], and uses minTtl without one', async () => {
    const uri = `${base}/jwks`;
    serve(['k1'], 'max-age=5');
    const short = cache({ minTtl: 60, maxTtl: 600 });
    await short.getKeys(uri, { kid: 'k1' });
    now += 59;
    await short.getKeys(uri, { kid: 'k1' });
    expect(requests).toBe(1);

    serve(['k1'], 'max-age=999999');
    const long = cache({ minTtl: 60, maxTtl: 600 });
    await long.getKeys(uri, { kid: 'k1' });
    now += 600;
    await long.getKeys(uri, { kid: 'k1' });
    expect(requests).toBe(3);

    serve(['k1'], 'no-store');
    const none = cache({ minTtl: 60 });
    await none.getKeys(uri, { kid: 'k1' });
    now += 60;
    await none.getKeys(uri, { kid: 'k1' });
    expect(requests).toBe(5);
  });

  it('shares one request among concurrent lookups', async () => {
    const jwks = cache();
    await Promise.all(Array.from({ length: 10 }, () => jwks.getKeys(`${base}/jwks`, { kid: 'k1' })));
    expect(requests).toBe(1);
  });

  it('requires https, allowing http only for loopback when allowHttpLoopback is set', async () => {
    await expectInvalidClient(cache({ allowHttpLoopback: false }).getKeys(`${base}/jwks`, { kid: 'k1' }), 'client jwks_uri is not allowed');
    await expectInvalidClient(cache().getKeys('http://module.example/jwks', { kid: 'k1' }), 'client jwks_uri is not allowed');
    await expectInvalidClient(cache().getKeys('not a url', { kid: 'k1' }), 'client jwks_uri is not allowed');
    expect(requests).toBe(0);
  });

  it('treats every name under localhost. as loopback (RFC 6761 §6.3), and nothing that merely ends in localhost', async () => {
    const fetched: string[] = [];
    const jwks = cache({ fetch: async (url) => (fetched.push(String(url)), new Response(JSON.stringify({ keys: [keys.k1!.jwk] }), { status: 200 })) });
    await jwks.getKeys('http://module.localhost:4300/jwks', { kid: 'k1' });
    expect(fetched).toEqual(['http://module.localhost:4300/jwks']);
    await expectInvalidClient(jwks.getKeys('http://evil-localhost/jwks', { kid: 'k1' }), 'client jwks_uri is not allowed');
    await expectInvalidClient(cache({ allowHttpLoopback: false }).getKeys('http://module.localhost/jwks', { kid: 'k1' }), 'client jwks_uri is not allowed');
  });

  it('rejects a set with a repeated kid (docs/decisions-protocol.md D4)', async () => {
    served = { status: 200, cacheControl: 'max-age=300', body: JSON.stringify({ keys: [keys.k1!.jwk, { ...keys.k2!.jwk, kid: 'k1' }] }) };
    await expectInvalidClient(cache().getKeys(`${base}/jwks`, { kid: 'k1' }), 'client keys repeat a kid');
  });

  it('turns non-200, non-JSON, malformed and unreachable sets into invalid_client', async () => {
    serve(['k1'], 'max-age=300', 500);
    await expectInvalidClient(cache().getKeys(`${base}/jwks`, { kid: 'k1' }), 'client jwks_uri could not be fetched');
    served = { status: 200, cacheControl: 'max-age=300', body: '<html>' };
    await expectInvalidClient(cache().getKeys(`${base}/jwks`, { kid: 'k1' }), 'client jwks_uri could not be fetched');
    served = { status: 200, cacheControl: 'max-age=300', body: '{"keys":"none"}' };
    await expectInvalidClient(cache().getKeys(`${base}/jwks`, { kid: 'k1' }), 'client jwks_uri is malformed');
    const failing = cache({ fetch: () => Promise.reject(new TypeError('fetch failed')) });
    await expectInvalidClient(failing.getKeys(`${base}/jwks`, { kid: 'k1' }), 'client jwks_uri could not be fetched');
  });

  it('rejects an inconsistent ttl configuration', () => {
    expect(() => new JwksCache({ minTtl: 100, maxTtl: 10 })).toThrow(RangeError);
  });
});
