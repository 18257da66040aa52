/**
 * The DVA's audit trail in the shared store (docs/security-checklists.md §2 (14)): events the resource
 * server adds to the trail dva-auth keeps, so the DVA, whose two halves share one store
 * (architecture.md "Shared state"), has one trail. The keys are dva-auth's `AuditLog`'s:
 * `audit:seq` counts, `audit:event:<n>` holds an event for a day. Never a token or an
 * identifying value.
 */
import type { KeyValueStore } from '@koppelmij/core/store';
import { randomToken } from '@koppelmij/core/util';
import type { FastifyBaseLogger } from 'fastify';

export interface TrailEvent {
  type: 'identity-check';
  outcome: 'success' | 'failure';
  client_id?: string;
  /** The DVA's pseudonym of the person, never the BSN. */
  sub?: string;
  /** RFC 8693 §4.1 actor chain (pseudonyms), current actor first. */
  act?: string[];
  [detail: string]: unknown;
}

const DAY = 24 * 3600;

export class AuditTrail {
  readonly #store: KeyValueStore;

  constructor(store: KeyValueStore) {
    this.#store = store;
  }

  /** Logs `event` and appends it to the trail. */
  async record(event: TrailEvent, log: FastifyBaseLogger): Promise<void> {
    const entry = { ...event, at: new Date().toISOString() };
    log.info({ audit: entry }, `audit ${event.type} ${event.outcome}`);
    const seq = await this.#store.increment('audit:seq', DAY);
    await this.#store.set(`audit:event:${seq}`, { ...entry, id: randomToken(16) }, DAY);
  }
}
