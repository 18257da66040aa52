import { Redis, type RedisOptions } from 'ioredis';
import { assertTtl, StoreUnavailableError, type KeyValueStore } from './types.ts';

// INCR and start the window on the first increment, in one script so no caller sees a key without TTL.
const INCREMENT = `local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`;

/**
 * Every command is bounded (docs/decisions.md I75): a Redis that is down, unreachable or frozen
 * costs a request about one second, then {@link StoreUnavailableError}. Commands issued while
 * (re)connecting wait in the offline queue under the same timeout; reconnection never stops.
 */
export const BOUNDED_REDIS_OPTIONS: RedisOptions = {
  commandTimeout: 1000,
  connectTimeout: 1000,
  maxRetriesPerRequest: 1,
  retryStrategy: (times) => Math.min(100 * times, 1000),
};

export interface RedisStoreOptions {
  /** e.g. `redis://127.0.0.1:6379/0` */
  url: string;
  /** Prefix for every key, so several deployments can share one Redis (default `koppelmij:`). */
  prefix?: string;
  redisOptions?: RedisOptions;
  /** Connection errors (they repeat while Redis is away); default: dropped. Give the service's logger. */
  onError?: (error: Error) => void;
}

/**
 * {@link KeyValueStore} on Redis (ioredis). Every method is one atomic Redis command
 * (`SET … PX`, `SET … NX PX`, `GETDEL`, or a Lua script), so several instances of a
 * service can share it. Requires Redis ≥ 6.2 for `GETDEL`. A command that fails or times out
 * rejects with {@link StoreUnavailableError}.
 */
export class RedisStore implements KeyValueStore {
  readonly redis: Redis;
  readonly #prefix: string;

  constructor(options: RedisStoreOptions) {
    this.#prefix = options.prefix ?? 'koppelmij:';
    this.redis = new Redis(options.url, { lazyConnect: false, ...BOUNDED_REDIS_OPTIONS, ...options.redisOptions });
    // without a listener ioredis prints every connection error to the console
    this.redis.on('error', (error: Error) => options.onError?.(error));
  }

  async get<T>(key: string): Promise<T | undefined> {
    const raw = await this.#call(() => this.redis.get(this.#prefix + key));
    return raw === null ? undefined : (JSON.parse(raw) as T);
  }

  async set<T>(key: string, value: T, ttlSeconds: number): Promise<void> {
    assertTtl(ttlSeconds);
    await this.#call(() => this.redis.set(this.#prefix + key, JSON.stringify(value), 'PX', Math.ceil(ttlSeconds * 1000)));
  }

  async setIfAbsent<T>(key: string, value: T, ttlSeconds: number): Promise<boolean> {
    assertTtl(ttlSeconds);
    const ok = await this.#call(() => this.redis.set(this.#prefix + key, JSON.stringify(value), 'PX', Math.ceil(ttlSeconds * 1000), 'NX'));
    return ok === 'OK';
  }

  async take<T>(key: string): Promise<T | undefined> {
    const raw = await this.#call(() => this.redis.getdel(this.#prefix + key));
    return raw === null ? undefined : (JSON.parse(raw) as T);
  }

  async delete(key: string): Promise<void> {
    await this.#call(() => this.redis.del(this.#prefix + key));
  }

  async increment(key: string, ttlSeconds: number): Promise<number> {
    assertTtl(ttlSeconds);
    return (await this.#call(() => this.redis.eval(INCREMENT, 1, this.#prefix + key, Math.ceil(ttlSeconds * 1000)))) as number;
  }

  onDisconnect(listener: () => void): void {
    this.redis.on('close', listener);
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }

  async #call<R>(command: () => Promise<R>): Promise<R> {
    try {
      return await command();
    } catch (error) {
      throw new StoreUnavailableError(error);
    }
  }
}
