import type { KeyValueStore } from './types.ts';

/** The store key of the epoch (with the Redis prefix: `koppelmij:epoch`). */
export const EPOCH_KEY = 'epoch';

// "for ever": the epoch lives as long as the store's data
const EPOCH_TTL = 100 * 365 * 24 * 3600;

/**
 * The time (s since 1970) at which this store was first used. A store that lost its data (a Redis
 * restarted without persistence, a flush) has a new epoch: whatever was issued before it may have
 * been used already, and the replay caches that knew it are gone, so the replay checks refuse DPoP
 * proofs and client assertions from before the epoch (docs/decisions.md I77).
 */
export async function readStoreEpoch(store: KeyValueStore, now: () => number = Date.now): Promise<number> {
  const candidate = Math.floor(now() / 1000);
  if (await store.setIfAbsent(EPOCH_KEY, candidate, EPOCH_TTL)) return candidate;
  return (await store.get<number>(EPOCH_KEY)) ?? candidate;
}

/**
 * {@link readStoreEpoch}, kept until the store's connection drops (it may come back to an empty
 * store), then read again. `current()` rejects while the store does not answer: fail closed.
 */
export class StoreEpoch {
  #value: Promise<number> | undefined;
  readonly #store: KeyValueStore;

  constructor(store: KeyValueStore) {
    this.#store = store;
    store.onDisconnect?.(() => (this.#value = undefined));
  }

  current(): Promise<number> {
    const value = (this.#value ??= readStoreEpoch(this.#store));
    value.catch(() => {
      if (this.#value === value) this.#value = undefined;
    });
    return value;
  }
}

const epochs = new WeakMap<KeyValueStore, StoreEpoch>();

/** The one {@link StoreEpoch} of `store` (every replay check that uses the store asks it). */
export function epochOf(store: KeyValueStore): StoreEpoch {
  let epoch = epochs.get(store);
  if (!epoch) epochs.set(store, (epoch = new StoreEpoch(store)));
  return epoch;
}
