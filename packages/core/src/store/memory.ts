import { assertTtl, StoreCapacityError, type KeyValueStore } from './types.ts';

interface Entry {
  json: string;
  expiresAt: number; // ms
}

export interface MemoryStoreOptions {
  /** Live entries kept at most (default 100 000). */
  maxEntries?: number;
  /** Milliseconds since the epoch; injectable for tests. */
  now?: () => number;
}

/**
 * A bounded, expiring in-process store. JavaScript runs each method body without
 * interleaving, so every operation is atomic within the process.
 *
 * When full it first drops expired entries; if all entries are live it throws
 * {@link StoreCapacityError} rather than evict one. Evicting a live `jti` or a consumed
 * marker would silently re-open a replay window, so it fails closed instead.
 */
export class MemoryStore implements KeyValueStore {
  readonly #entries = new Map<string, Entry>();
  readonly #max: number;
  readonly #now: () => number;

  constructor(options: MemoryStoreOptions = {}) {
    this.#max = options.maxEntries ?? 100_000;
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#entries.size;
  }

  async get<T>(key: string): Promise<T | undefined> {
    const entry = this.#live(key);
    return entry ? (JSON.parse(entry.json) as T) : undefined;
  }

  async set<T>(key: string, value: T, ttlSeconds: number): Promise<void> {
    this.#write(key, value, ttlSeconds);
  }

  async setIfAbsent<T>(key: string, value: T, ttlSeconds: number): Promise<boolean> {
    if (this.#live(key)) return false;
    this.#write(key, value, ttlSeconds);
    return true;
  }

  async take<T>(key: string): Promise<T | undefined> {
    const entry = this.#live(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    return JSON.parse(entry.json) as T;
  }

  async delete(key: string): Promise<void> {
    this.#entries.delete(key);
  }

  async increment(key: string, ttlSeconds: number): Promise<number> {
    const entry = this.#live(key);
    if (!entry) {
      this.#write(key, 1, ttlSeconds);
      return 1;
    }
    const next = (JSON.parse(entry.json) as number) + 1;
    entry.json = JSON.stringify(next);
    return next;
  }

  async close(): Promise<void> {
    this.#entries.clear();
  }

  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  #write(key: string, value: unknown, ttlSeconds: number): void {
    assertTtl(ttlSeconds);
    if (!this.#entries.has(key) && this.#entries.size >= this.#max) {
      this.#sweep();
      if (this.#entries.size >= this.#max) throw new StoreCapacityError(this.#max);
    }
    this.#entries.set(key, { json: JSON.stringify(value), expiresAt: this.#now() + ttlSeconds * 1000 });
  }

  #sweep(): void {
    const now = this.#now();
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(key);
  }
}
