import { MemoryStore } from './memory.ts';
import { RedisStore } from './redis.ts';
import type { KeyValueStore } from './types.ts';

export interface CreateStoreOptions {
  prefix?: string;
  /** Redis connection errors, for the service's logger (they are not thrown: commands fail on their own). */
  onError?: (error: Error) => void;
}

/** `memory` (the embedded default) or a `redis://` / `rediss://` URL. */
export function createStore(spec: string = 'memory', options: CreateStoreOptions = {}): KeyValueStore {
  if (spec === 'memory') return new MemoryStore();
  if (/^rediss?:\/\//.test(spec)) return new RedisStore({ url: spec, ...options });
  throw new Error(`store must be "memory" or a redis:// URL, got "${spec}"`);
}
