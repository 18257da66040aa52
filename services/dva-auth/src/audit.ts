import type { FastifyBaseLogger } from 'fastify';
import { randomToken, type KeyValueStore } from '@koppelmij/core';
import { RateLimiter, traceNote, type RateLimit } from '@koppelmij/service-kit';

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
 * Audit trail (docs/security-checklists.md §2 (14)): written to the log and kept in the store for a day, so
 * tests and operators can read recent events back in process (`recent()`), across instances. No HTTP
 * route serves them (docs/decisions.md I47).
 */
export class AuditLog {
  readonly #store: KeyValueStore;
  readonly #log: FastifyBaseLogger;
  readonly #limiter: RateLimiter;
  readonly #unauthenticatedFailures: RateLimit;

  /** `unauthenticatedFailures`: how many failures with no known person the store keeps per window (I59). */
  constructor(store: KeyValueStore, log: FastifyBaseLogger, options: { unauthenticatedFailures?: RateLimit } = {}) {
    this.#store = store;
    this.#log = log;
    this.#limiter = new RateLimiter(store);
    this.#unauthenticatedFailures = options.unauthenticatedFailures ?? { limit: 1000, window: 3600 };
  }

  async record(event: AuditEvent): Promise<void> {
    const entry = { ...event, at: new Date().toISOString() };
    // docs/decisions.md I59: anyone can cause failures with no person behind them (random launch
    // values at /authorize); past a cap per window they are logged, no longer kept in the store
    const kept = event.outcome === 'success' || event.sub !== undefined || (await this.#limiter.hit('audit-unauthenticated', 'all', this.#unauthenticatedFailures)) === undefined;
    this.#log.info({ audit: entry, ...(!kept && { stored: false }) }, `audit ${event.type} ${event.outcome}`);
    traceNote(`audit ${event.type} ${event.outcome}${event.reason === undefined ? '' : `: ${event.reason}`}`); // the demo's trace (docs/decisions.md I139)
    if (!kept) return;
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
