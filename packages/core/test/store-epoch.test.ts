import { exportJWK, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { assertAssertionAfterEpoch, createClientAssertion, verifyClientAssertion } from '../src/client-auth/index.ts';
import { createDpopProof, generateDpopKey, verifyDpopProof } from '../src/dpop/index.ts';
import { InvalidClient, InvalidDpopProof } from '../src/errors/index.ts';
import { EPOCH_KEY, epochOf, MemoryStore, readStoreEpoch, StoreEpoch, type KeyValueStore } from '../src/store/index.ts';

const now = 1_750_000_000;
const clock = () => now;

describe('the store epoch (docs/decisions.md I77)', () => {
  it('is set once, by the first use, and read back after', async () => {
    const store = new MemoryStore();
    expect(await readStoreEpoch(store, () => 1000_000)).toBe(1000);
    expect(await readStoreEpoch(store, () => 2000_000)).toBe(1000);
    expect(await store.get(EPOCH_KEY)).toBe(1000);
  });

  it('is read again after the connection dropped: the store may come back empty', async () => {
    const store = new MemoryStore();
    let disconnect = () => {};
    const flaky: KeyValueStore = {
      get: (key) => store.get(key),
      set: (key, value, ttl) => store.set(key, value, ttl),
      setIfAbsent: (key, value, ttl) => store.setIfAbsent(key, value, ttl),
      take: (key) => store.take(key),
      delete: (key) => store.delete(key),
      increment: (key, ttl) => store.increment(key, ttl),
      close: () => store.close(),
      onDisconnect: (listener) => (disconnect = listener),
    };
    const epoch = new StoreEpoch(flaky);
    const first = await epoch.current();
    await store.delete(EPOCH_KEY); // the data is gone, unnoticed while the cached value stands
    await store.set(EPOCH_KEY, first + 100, 60);
    expect(await epoch.current()).toBe(first);
    disconnect();
    expect(await epoch.current()).toBe(first + 100);
  });

  it('is one per store', () => {
    const store = new MemoryStore();
    expect(epochOf(store)).toBe(epochOf(store));
    expect(epochOf(store)).not.toBe(epochOf(new MemoryStore()));
  });
});

describe('replay checks refuse what was made before the epoch', () => {
  it('a DPoP proof with iat before notBefore is a replay (RFC 9449 §11.1)', async () => {
    const key = await generateDpopKey();
    const options = { htm: 'GET', htu: 'https://rs.example/fhir/Patient', store: new MemoryStore(), clock };
    const proof = (iat: number) => createDpopProof({ key, htm: 'GET', htu: options.htu, iat });
    await expect(verifyDpopProof(await proof(now - 5), { ...options, notBefore: now - 4 })).rejects.toThrow(new InvalidDpopProof('DPoP proof has already been used'));
    await expect(verifyDpopProof(await proof(now - 4), { ...options, notBefore: now - 4 })).resolves.toMatchObject({ iat: now - 4 });
  });

  it('a client assertion issued before notBefore, or without iat one that may have been, is used', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const client = { client_id: 'module', jwks: { keys: [{ ...(await exportJWK(publicKey)), kid: 'k' }] } };
    const assertion = (at: number) => createClientAssertion({ clientId: 'module', audience: 'https://as.example', privateKey, alg: 'ES256', kid: 'k', clock: () => at, lifetime: 60 });
    const verify = async (at: number, notBefore: number) =>
      verifyClientAssertion(await assertion(at), { client, audiences: ['https://as.example'], store: new MemoryStore(), clock, notBefore });
    await expect(verify(now - 10, now - 9)).rejects.toThrow(new InvalidClient('client assertion jti already used'));
    await expect(verify(now - 9, now - 9)).resolves.toMatchObject({ clientId: 'module' });
  });
});

describe('assertAssertionAfterEpoch (for oidc-provider client authentication)', () => {
  it('dates an assertion without iat by the earliest its exp allows, and refuses an exp too far ahead', () => {
    expect(() => assertAssertionAfterEpoch({ exp: now + 300 }, now, { now })).not.toThrow();
    expect(() => assertAssertionAfterEpoch({ exp: now + 299 }, now, { now })).toThrow(new InvalidClient('client assertion jti already used'));
    expect(() => assertAssertionAfterEpoch({ exp: now + 301, iat: now }, now, { now })).toThrow(new InvalidClient('client assertion exp too far ahead'));
    expect(() => assertAssertionAfterEpoch({ iat: now }, now, { now })).toThrow(new InvalidClient('client assertion exp too far ahead'));
  });
});
