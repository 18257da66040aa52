/**
 * The one key-value interface behind every piece of shared state: sessions, grants,
 * codes, launch codes, DPoP and client-assertion `jti` caches, identity-check state.
 * Two implementations: {@link MemoryStore} (one process) and {@link RedisStore}
 * (several instances behind a load balancer). Values are JSON; TTLs are seconds.
 *
 * Single-use artefacts are consumed with {@link KeyValueStore.take} or
 * {@link KeyValueStore.setIfAbsent}, one atomic operation each, never find-then-save
 * (docs/decisions-protocol.md D12).
 */
export interface KeyValueStore {
  get<T>(key: string): Promise<T | undefined>;
  /** Stores `value` for `ttlSeconds` (> 0), replacing any earlier value. */
  set<T>(key: string, value: T, ttlSeconds: number): Promise<void>;
  /** Stores `value` only when `key` holds nothing. True when this call stored it. Atomic. */
  setIfAbsent<T>(key: string, value: T, ttlSeconds: number): Promise<boolean>;
  /** Returns the value and deletes it in one atomic step: of concurrent takes, one gets it. */
  take<T>(key: string): Promise<T | undefined>;
  delete(key: string): Promise<void>;
  /** Adds 1 and returns the new count; the first increment starts a `ttlSeconds` window. Atomic. */
  increment(key: string, ttlSeconds: number): Promise<number>;
  close(): Promise<void>;
  /** A store whose connection can drop calls `listener` each time it does (its data may be gone when it is back). */
  onDisconnect?(listener: () => void): void;
}

/**
 * The shared store did not answer in time or refused the connection. Nothing was decided: the
 * caller fails closed and the service answers 503 (docs/decisions.md I75), never as if a key were absent.
 */
export class StoreUnavailableError extends Error {
  readonly code = 'store_unavailable';
  constructor(cause?: unknown) {
    super(`the store is unavailable${cause instanceof Error ? `: ${cause.message}` : ''}`, { cause });
    this.name = 'StoreUnavailableError';
  }
}

export class StoreCapacityError extends Error {
  constructor(limit: number) {
    super(`store is full (${limit} live entries); refusing to evict live state`);
    this.name = 'StoreCapacityError';
  }
}

export function assertTtl(ttlSeconds: number): void {
  if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0) throw new RangeError(`ttl must be a positive number of seconds, got ${ttlSeconds}`);
}
