import { MemoryStore } from './memory.ts';
import { RedisStore } from './redis.ts';
import type { KeyValueStore } from './types.ts';

/** `memory` (the embedded default) or a `redis://` / `rediss://` URL. */
export function createStore(spec: string = 'memory', options: { prefix?: string } = {}): KeyValueStore {
  if (spec === 'memory') return new MemoryStore();
  if (/^rediss?:\/\//.test(spec)) return new RedisStore({ url: spec, ...options });
  throw new Error(`store must be "memory" or a redis:// URL, got "${spec}"`);
}
