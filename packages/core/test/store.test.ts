import { afterAll, describe, expect, it } from 'vitest';
import { MemoryStore, RedisStore, StoreCapacityError, tupleKey, type KeyValueStore } from '../src/store/index.ts';
import { redisUrlOrSkip, testPrefix } from './support/redis.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The contract every KeyValueStore meets; run against memory and Redis alike. */
function storeContract(name: string, make: () => KeyValueStore) {
  describe(`${name} store contract`, () => {
    const store = make();
    afterAll(() => store.close());

    it('get returns what set stored, as a copy', async () => {
      const value = { a: 1, list: ['x'] };
      await store.set('k1', value, 10);
      value.list.push('mutated');
      expect(await store.get('k1')).toEqual({ a: 1, list: ['x'] });
      expect(await store.get('absent')).toBeUndefined();
    });

    it('entries expire after their ttl', async () => {
      await store.set('short', 'v', 0.05);
      expect(await store.get('short')).toBe('v');
      await sleep(120);
      expect(await store.get('short')).toBeUndefined();
    });

    it('setIfAbsent stores only the first value', async () => {
      expect(await store.setIfAbsent('once', 'first', 10)).toBe(true);
      expect(await store.setIfAbsent('once', 'second', 10)).toBe(false);
      expect(await store.get('once')).toBe('first');
    });

    it('setIfAbsent succeeds again once the earlier value expired', async () => {
      expect(await store.setIfAbsent('lapse', 1, 0.05)).toBe(true);
      await sleep(120);
      expect(await store.setIfAbsent('lapse', 2, 10)).toBe(true);
    });

    it('take returns the value once and deletes it', async () => {
      await store.set('t', { n: 1 }, 10);
      expect(await store.take('t')).toEqual({ n: 1 });
      expect(await store.take('t')).toBeUndefined();
      expect(await store.get('t')).toBeUndefined();
    });

    it('of 50 concurrent takes exactly one gets the value', async () => {
      await store.set('race', 'prize', 10);
      const results = await Promise.all(Array.from({ length: 50 }, () => store.take('race')));
      expect(results.filter((r) => r === 'prize')).toHaveLength(1);
    });

    it('of 50 concurrent setIfAbsent exactly one wins', async () => {
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => store.setIfAbsent('race-nx', i, 10)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('increment counts within a window and restarts after it', async () => {
      expect(await store.increment('ctr', 0.1)).toBe(1);
      expect(await store.increment('ctr', 0.1)).toBe(2);
      expect(await store.increment('ctr', 0.1)).toBe(3);
      await sleep(200);
      expect(await store.increment('ctr', 0.1)).toBe(1);
    });

    it('delete removes a key', async () => {
      await store.set('d', 1, 10);
      await store.delete('d');
      expect(await store.get('d')).toBeUndefined();
    });

    it('rejects a ttl that is not positive', async () => {
      await expect(store.set('bad', 1, 0)).rejects.toThrow(RangeError);
      await expect(store.setIfAbsent('bad', 1, -1)).rejects.toThrow(RangeError);
      await expect(store.increment('bad', Number.NaN)).rejects.toThrow(RangeError);
    });
  });
}

storeContract('memory', () => new MemoryStore());

const redisUrl = await redisUrlOrSkip('RedisStore contract');
describe.skipIf(!redisUrl)('redis', () => {
  storeContract('redis', () => new RedisStore({ url: redisUrl!, prefix: testPrefix('store') }));

  it('two RedisStore instances share state atomically', async () => {
    const prefix = testPrefix('shared');
    const a = new RedisStore({ url: redisUrl!, prefix });
    const b = new RedisStore({ url: redisUrl!, prefix });
    try {
      await a.set('code', 'x', 10);
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).take('code')));
      expect(results.filter((r) => r === 'x')).toHaveLength(1);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('MemoryStore bounds', () => {
  it('drops expired entries before refusing, and refuses rather than evicting live ones', async () => {
    let now = 0;
    const store = new MemoryStore({ maxEntries: 2, now: () => now });
    await store.set('a', 1, 1);
    await store.set('b', 2, 10);
    now = 2000; // 'a' expired
    await store.set('c', 3, 10);
    expect(store.size).toBe(2);
    await expect(store.set('d', 4, 10)).rejects.toBeInstanceOf(StoreCapacityError);
    expect(await store.get('b')).toBe(2);
    await store.set('b', 5, 10); // replacing an existing key is always allowed
    expect(await store.get('b')).toBe(5);
  });
});

describe('tupleKey', () => {
  it('never maps two different tuples to one key', () => {
    expect(tupleKey('jti', 'ab', 'c')).not.toBe(tupleKey('jti', 'a', 'bc'));
    expect(tupleKey('jti', 'a', 'b')).toBe(tupleKey('jti', 'a', 'b'));
    expect(tupleKey('jti', 'a')).not.toBe(tupleKey('other', 'a'));
    expect(tupleKey('jti', 'x').startsWith('jti:')).toBe(true);
  });
});
