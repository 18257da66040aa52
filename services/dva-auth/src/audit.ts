import type { FastifyBaseLogger } from 'fastify';
import { randomToken, type KeyValueStore } from '@koppelmij/core';
import { traceNote } from '@koppelmij/service-kit';

/** One audit event: who did what with which launch, and the outcome. Never token values. */
export interface AuditEvent {
  type:
    | 'token-exchange.launch-code'
    | 'launch.redeemed'
    | 'launch.refused'
    | 'launch.browser-check-failed'
    | 'launch.identity-mismatch'
    | 'consent.granted'
    | 'consent.denied'
    | 'launch-module.issued'
    | 'launch-module.refused'
    | 'token.revoked'
    | 'token-exchange.temporary-token'
    | 'token-exchange.delegation'
    | 'token-exchange.refused';
  client_id?: string;
  sub?: string;
  audience?: string;
  resources?: string[];
  /** RFC 8693 §4.1: the actor chain of an issued delegation token, current actor first. */
  act?: string[];
  outcome: 'success' | 'failure';
  reason?: string;
}

/**
 * Audit trail (security-checklists §2 (14)): written to the log and kept in the store for a day, so
 * tests and operators can read recent events back (`recent()`), across instances.
 */
export class AuditLog {
  readonly #store: KeyValueStore;
  readonly #log: FastifyBaseLogger;

  constructor(store: KeyValueStore, log: FastifyBaseLogger) {
    this.#store = store;
    this.#log = log;
  }

  async record(event: AuditEvent): Promise<void> {
    const entry = { ...event, at: new Date().toISOString() };
    this.#log.info({ audit: entry }, `audit ${event.type} ${event.outcome}`);
    traceNote(`audit ${event.type} ${event.outcome}${event.reason === undefined ? '' : `: ${event.reason}`}`); // the demo's trace (docs/decisions.md I139)
    const seq = await this.#store.increment('audit:seq', 24 * 3600);
    await this.#store.set(`audit:event:${seq}`, { ...entry, id: randomToken(16) }, 24 * 3600);
  }

  /** The last `n` events, newest first. */
  async recent(n = 20): Promise<Array<AuditEvent & { at: string }>> {
    const last = (await this.#store.get<number>('audit:seq')) ?? 0;
    const events = await Promise.all(Array.from({ length: Math.min(n, last) }, (_, i) => this.#store.get<AuditEvent & { at: string }>(`audit:event:${last - i}`)));
    return events.filter((e): e is AuditEvent & { at: string } => e !== undefined);
  }
}
