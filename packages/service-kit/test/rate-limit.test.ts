import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryStore, RedisStore, type KeyValueStore } from '@koppelmij/core';
import { redisUrlOrSkip, testPrefix } from '../../core/test/support/redis.ts';
import { RateLimiter, rateLimitsFrom, registerSourceLimits, type RateLimit } from '../src/rate-limit.ts';
import { STORE_RETRY_AFTER, STORE_UNAVAILABLE } from '../src/store.ts';

const RULE: RateLimit = { limit: 3, window: 60 };

/** One instance of a service with a per-source limit on `/x`, counting in `store`. */
function instance(store: KeyValueStore) {
  const app = Fastify();
  registerSourceLimits(app, new RateLimiter(store), [{ name: 'x', rule: RULE, applies: (r) => r.url === '/x', format: 'oauth' }]);
  app.get('/x', async () => 'ok');
  app.get('/free', async () => 'ok');
  return app;
}

describe('RateLimiter', () => {
  it('counts per window and subject; Retry-After is the rest of the window', async () => {
    let now = 60_000 * 10 + 15_000; // 15 s into a window
    const limiter = new RateLimiter(new MemoryStore(), { now: () => now });
    for (let i = 0; i < 3; i++) expect(await limiter.hit('x', 'a', RULE)).toBeUndefined();
    expect(await limiter.hit('x', 'a', RULE)).toBe(45);
    expect(await limiter.exhausted('x', 'a', RULE)).toBe(45);
    expect(await limiter.hit('x', 'b', RULE)).toBeUndefined(); // another subject
    now += 45_000; // the next window
    expect(await limiter.hit('x', 'a', RULE)).toBeUndefined();
  });

  it('reads overrides from RATE_LIMITS and ignores the names of other services', () => {
    expect(rateLimitsFrom({ a: RULE }, '{"a":{"limit":10},"other":{"limit":1}}')).toEqual({ a: { limit: 10, window: 60 } });
    expect(() => rateLimitsFrom({ a: RULE }, '{"a":{"limit":0}}')).toThrow(/RATE_LIMITS/);
    expect(() => rateLimitsFrom({ a: RULE }, 'nonsense')).toThrow(/RATE_LIMITS/);
  });
});

describe('registerSourceLimits', () => {
  it('answers 429 with Retry-After and an OAuth-style error past the limit; other paths are not counted', async () => {
    const app = instance(new MemoryStore());
    for (let i = 0; i < 3; i++) expect((await app.inject('/x')).statusCode).toBe(200);
    const refused = await app.inject('/x');
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.json()).toMatchObject({ error: 'temporarily_unavailable' });
    expect((await app.inject('/free')).statusCode).toBe(200);
  });

  it('fails closed (503) when the store cannot count', async () => {
    const store = new MemoryStore();
    store.increment = () => Promise.reject(new Error('store down'));
    const refused = await instance(store).inject('/x');
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBe(String(STORE_RETRY_AFTER));
    expect(refused.json()).toEqual({ error: 'temporarily_unavailable', error_description: STORE_UNAVAILABLE }); // the one 503 of a store away
  });
});

describe('a limit shared by two instances on one Redis', async () => {
  const url = await redisUrlOrSkip('rate-limit');
  const prefix = testPrefix('rate-limit');
  const stores = url ? [new RedisStore({ url, prefix }), new RedisStore({ url, prefix })] : [];
  afterAll(() => Promise.all(stores.map((s) => s.close())));

  it.skipIf(!url)('counts the requests of both instances against one limit', async () => {
    const [one, two] = stores.map(instance) as [ReturnType<typeof instance>, ReturnType<typeof instance>];
    expect((await one.inject('/x')).statusCode).toBe(200);
    expect((await two.inject('/x')).statusCode).toBe(200);
    expect((await one.inject('/x')).statusCode).toBe(200);
    expect((await two.inject('/x')).statusCode).toBe(429);
    expect((await one.inject('/x')).statusCode).toBe(429);
  });
});
