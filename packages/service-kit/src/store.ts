import type { FastifyBaseLogger } from 'fastify';
import { createStore, epochOf, StoreUnavailableError, type KeyValueStore } from '@koppelmij/core';

/** Seconds a client waits before it tries again when the store is away (RFC 9110 §10.2.3). */
export const STORE_RETRY_AFTER = 2;

/** The `error_description` of every 503 for a store away (docs/decisions.md I75). */
export const STORE_UNAVAILABLE = 'the service is temporarily unavailable; try again shortly';

/**
 * Sets the store's epoch at start-up, before the service issues or checks anything (docs/decisions.md
 * I77); with the store away now, the first replay check sets it later.
 */
export async function startStoreEpoch(store: KeyValueStore): Promise<void> {
  await epochOf(store).current().catch(() => undefined);
}

export function isStoreUnavailable(error: unknown): error is StoreUnavailableError {
  return error instanceof StoreUnavailableError || (error instanceof Error && error.cause instanceof StoreUnavailableError);
}

/**
 * The service's store (`memory` or a `redis://` URL) with Redis connection errors logged as JSON
 * through the service's pino logger: the first at once, then at most one line every 10 s while
 * Redis stays away (ioredis retries every second).
 */
export function openStore(spec: string, log: FastifyBaseLogger, options: { prefix?: string } = {}): KeyValueStore {
  let last = 0;
  let dropped = 0;
  return createStore(spec, {
    ...options,
    onError: (error) => {
      const now = Date.now();
      if (now - last < 10_000) return void dropped++;
      log.warn({ err: error, repeated: dropped }, 'store connection error');
      last = now;
      dropped = 0;
    },
  });
}
