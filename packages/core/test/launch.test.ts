import { afterAll, describe, expect, it } from 'vitest';
import { InvalidGrant } from '../src/errors/index.ts';
import { LaunchBindingMismatch, LaunchCodes } from '../src/launch/index.ts';
import { MemoryStore, RedisStore, type KeyValueStore } from '../src/store/index.ts';
import { sha256b64url } from '../src/util/index.ts';
import { redisUrlOrSkip, testPrefix } from './support/redis.ts';

interface Context {
  sub: string;
  resources: string[];
}
const context: Context = { sub: 'patient-pseudonym', resources: ['Task/456'] };
const INVALID = 'launch code is invalid, expired or already used';

/** A store that records every call, to see what reaches it. */
class RecordingStore implements KeyValueStore {
  readonly inner = new MemoryStore();
  readonly calls: Array<{ method: string; key: string; value?: string }> = [];
  #log(method: string, key: string, value?: unknown) {
    this.calls.push({ method, key, ...(value !== undefined && { value: JSON.stringify(value) }) });
  }
  async get<T>(key: string) { this.#log('get', key); return this.inner.get<T>(key); }
  async set<T>(key: string, value: T, ttl: number) { this.#log('set', key, value); return this.inner.set(key, value, ttl); }
  async setIfAbsent<T>(key: string, value: T, ttl: number) { this.#log('setIfAbsent', key, value); return this.inner.setIfAbsent(key, value, ttl); }
  async take<T>(key: string) { this.#log('take', key); return this.inner.take<T>(key); }
  async delete(key: string) { this.#log('delete', key); return this.inner.delete(key); }
  async increment(key: string, ttl: number) { this.#log('increment', key); return this.inner.increment(key, ttl); }
  async close() { return this.inner.close(); }
}

async function expectInvalidGrant(promise: Promise<unknown>, mismatch?: 'client' | 'correlation') {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(InvalidGrant);
  expect(error).toMatchObject({ error: 'invalid_grant', error_description: INVALID });
  if (mismatch) expect(error).toMatchObject({ name: 'LaunchBindingMismatch', reason: mismatch });
  else expect(error).not.toBeInstanceOf(LaunchBindingMismatch);
}

describe('LaunchCodes', () => {
  const codes = new LaunchCodes<Context>(new MemoryStore(), { namespace: 'launch' });

  it('issues an opaque 256-bit code that redeems to its context once', async () => {
    const issued = await codes.issue(context, { client_id: 'module' });
    expect(issued.code).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(issued.expires_in).toBe(180);
    expect(await codes.redeem(issued.code, { client_id: 'module' })).toEqual(context);
  });

  it('a second redemption fails (docs/protocol.md §8 item 11)', async () => {
    const { code } = await codes.issue(context, { client_id: 'module' });
    await codes.redeem(code, { client_id: 'module' });
    await expectInvalidGrant(codes.redeem(code, { client_id: 'module' }));
  });

  it('an unknown code fails', async () => {
    await expectInvalidGrant(codes.redeem('A'.repeat(43), { client_id: 'module' }));
  });

  it('reports a configured ttl as expires_in', async () => {
    const short = new LaunchCodes<Context>(new MemoryStore(), { namespace: 'launch', ttl: 60 });
    expect((await short.issue(context, { client_id: 'module' })).expires_in).toBe(60);
  });

  it('a code lapses with its store entry', async () => {
    let now = 1_000_000_000_000;
    const timed = new LaunchCodes<Context>(new MemoryStore({ now: () => now }), { namespace: 'launch', clock: () => 0 });
    const early = await timed.issue(context, { client_id: 'module' });
    const late = await timed.issue(context, { client_id: 'module' });
    now += 179_000;
    expect(await timed.redeem(early.code, { client_id: 'module' })).toEqual(context);
    now += 2_000;
    await expectInvalidGrant(timed.redeem(late.code, { client_id: 'module' }));
  });

  it('a code past its exp fails even where the store still holds it', async () => {
    let clock = 1_000_000;
    const timed = new LaunchCodes<Context>(new MemoryStore({ now: () => 0 }), { namespace: 'launch', clock: () => clock });
    const { code } = await timed.issue(context, { client_id: 'module' });
    clock += 180;
    expect(await timed.peek(code)).toBeUndefined();
    await expectInvalidGrant(timed.redeem(code, { client_id: 'module' }));
  });

  it('another client burns the code and fails with reason "client" (docs/protocol.md §8 item 12, docs/decisions-protocol.md D8)', async () => {
    const { code } = await codes.issue(context, { client_id: 'module' });
    await expectInvalidGrant(codes.redeem(code, { client_id: 'other-module' }), 'client');
    await expectInvalidGrant(codes.redeem(code, { client_id: 'module' }));
  });

  it('another correlation value burns the code and fails with reason "correlation" (docs/decisions-protocol.md D8)', async () => {
    const { code } = await codes.issue(context, { client_id: 'module', correlation: 'cookie-binding-id' });
    await expectInvalidGrant(codes.redeem(code, { client_id: 'module', correlation: 'cookie-binding-ie' }), 'correlation');
    await expectInvalidGrant(codes.redeem(code, { client_id: 'module', correlation: 'cookie-binding-id' }));
  });

  it('a bound correlation value must be presented', async () => {
    const { code } = await codes.issue(context, { client_id: 'module', correlation: 'cookie-binding-id' });
    await expectInvalidGrant(codes.redeem(code, { client_id: 'module' }), 'correlation');
    const again = await codes.issue(context, { client_id: 'module', correlation: 'cookie-binding-id' });
    expect(await codes.redeem(again.code, { client_id: 'module', correlation: 'cookie-binding-id' })).toEqual(context);
  });

  it('peek reads the record without consuming it', async () => {
    const clocked = new LaunchCodes<Context>(new MemoryStore(), { namespace: 'launch', clock: () => 5000 });
    const { code } = await clocked.issue(context, { client_id: 'module', correlation: 'c' });
    expect(await clocked.peek(code)).toEqual({ context, binding: { client_id: 'module', correlation: 'c' }, exp: 5180 });
    expect(await clocked.peek(code)).toBeDefined();
    expect(await clocked.redeem(code, { client_id: 'module', correlation: 'c' })).toEqual(context);
    expect(await clocked.peek(code)).toBeUndefined();
  });

  it('revoke invalidates a code', async () => {
    const { code } = await codes.issue(context, { client_id: 'module' });
    await codes.revoke(code);
    await expectInvalidGrant(codes.redeem(code, { client_id: 'module' }));
  });

  it('codes of one namespace do not redeem in another', async () => {
    const store = new MemoryStore();
    const launch = new LaunchCodes<Context>(store, { namespace: 'launch' });
    const temporary = new LaunchCodes<Context>(store, { namespace: 'temp-token' });
    const { code } = await launch.issue(context, { client_id: 'module' });
    await expectInvalidGrant(temporary.redeem(code, { client_id: 'module' }));
    expect(await launch.redeem(code, { client_id: 'module' })).toEqual(context);
  });

  it('the store sees only the SHA-256 of a code, never the code', async () => {
    const store = new RecordingStore();
    const recorded = new LaunchCodes<Context>(store, { namespace: 'launch' });
    const { code } = await recorded.issue(context, { client_id: 'module' });
    await recorded.peek(code);
    await recorded.redeem(code, { client_id: 'module' });
    await recorded.revoke(code);
    expect(store.calls.map((c) => c.method)).toEqual(['set', 'get', 'take', 'delete']);
    for (const call of store.calls) {
      expect(call.key).toBe(`launch:${sha256b64url(code)}`);
      expect(call.value ?? '').not.toContain(code);
    }
  });

  it('a malformed code fails without touching the store', async () => {
    const store = new RecordingStore();
    const recorded = new LaunchCodes<Context>(store, { namespace: 'launch' });
    for (const code of ['', 'a'.repeat(513), 'abc def', 'abc+/=', 'abc.def', 'ﬀ']) {
      await expectInvalidGrant(recorded.redeem(code, { client_id: 'module' }));
      expect(await recorded.peek(code)).toBeUndefined();
      await recorded.revoke(code);
    }
    expect(store.calls).toEqual([]);
    await expectInvalidGrant(recorded.redeem('a'.repeat(512), { client_id: 'module' }));
    expect(store.calls.map((c) => c.method)).toEqual(['take']);
  });

  it('refuses a bad configuration or binding', async () => {
    expect(() => new LaunchCodes(new MemoryStore(), { namespace: '' })).toThrow(TypeError);
    expect(() => new LaunchCodes(new MemoryStore(), { namespace: 'launch', ttl: 0 })).toThrow(RangeError);
    await expect(codes.issue(context, { client_id: '' })).rejects.toBeInstanceOf(TypeError);
  });
});

/** docs/decisions-protocol.md D12: of 50 concurrent redemptions of one code, exactly one succeeds. */
async function race(codes: LaunchCodes<Context>, other: LaunchCodes<Context> = codes) {
  const { code } = await codes.issue(context, { client_id: 'module' });
  const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => (i % 2 ? codes : other).redeem(code, { client_id: 'module' })));
  const won = results.filter((r) => r.status === 'fulfilled');
  expect(won).toHaveLength(1);
  expect(won[0]).toMatchObject({ value: context });
  for (const lost of results.filter((r) => r.status === 'rejected')) expect(lost.reason).toBeInstanceOf(InvalidGrant);
}

describe('LaunchCodes under concurrency', () => {
  it('50 concurrent redemptions on the memory store yield exactly one success', async () => {
    await race(new LaunchCodes<Context>(new MemoryStore(), { namespace: 'launch' }));
  });
});

const redisUrl = await redisUrlOrSkip('LaunchCodes on Redis');
describe.skipIf(!redisUrl)('LaunchCodes on Redis', () => {
  const prefix = testPrefix('launch');
  const a = new RedisStore({ url: redisUrl!, prefix });
  const b = new RedisStore({ url: redisUrl!, prefix });
  afterAll(async () => {
    await a.close();
    await b.close();
  });

  it('50 concurrent redemptions yield exactly one success', async () => {
    await race(new LaunchCodes<Context>(a, { namespace: 'launch' }));
  });

  it('50 concurrent redemptions through two instances yield exactly one success', async () => {
    await race(new LaunchCodes<Context>(a, { namespace: 'launch' }), new LaunchCodes<Context>(b, { namespace: 'launch' }));
  });
});
