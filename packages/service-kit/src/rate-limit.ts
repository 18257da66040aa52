import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { tupleKey, type KeyValueStore } from '@koppelmij/core';
import { sendStoreUnavailable } from './errors.ts';

/** At most `limit` requests per `window` seconds. */
export interface RateLimit {
  limit: number;
  window: number;
}

const rateLimitSchema = z.strictObject({ limit: z.number().int().positive(), window: z.number().int().positive() });

/**
 * The limits of a service: its `defaults`, each overridden by the JSON of `RATE_LIMITS`
 * (`{"authorize":{"limit":1000,"window":60}}`), so a test stack or a benchmark can raise them.
 * One variable serves every service of a deployment: names another service uses are ignored.
 *
 * @throws Error naming a bad value (fail fast at start-up)
 */
export function rateLimitsFrom<K extends string>(defaults: Record<K, RateLimit>, json: string | undefined): Record<K, RateLimit> {
  if (json === undefined || json.trim() === '') return defaults;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new Error('RATE_LIMITS: must be a JSON object of name → { limit, window }');
  }
  const parsed = z.record(z.string(), rateLimitSchema.partial()).safeParse(value);
  if (!parsed.success) throw new Error(`RATE_LIMITS: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const limits = { ...defaults };
  for (const name of Object.keys(defaults) as K[]) limits[name] = { ...defaults[name], ...parsed.data[name] };
  return limits;
}

/**
 * Fixed-window counters in the shared store (docs/decisions.md I58), so every instance of a
 * service counts against the same limit: one atomic `increment` per request, whose key names
 * the window; the key expires with it.
 */
export class RateLimiter {
  readonly #store: KeyValueStore;
  readonly #now: () => number;

  constructor(store: KeyValueStore, options: { now?: () => number } = {}) {
    this.#store = store;
    this.#now = options.now ?? Date.now;
  }

  /** Counts a request of `subject` under `name`; the seconds to wait when it is over the limit. */
  async hit(name: string, subject: string, rule: RateLimit): Promise<number | undefined> {
    const { key, retryAfter } = this.#window(name, subject, rule);
    return (await this.#store.increment(key, rule.window)) > rule.limit ? retryAfter : undefined;
  }

  /** Like {@link hit}, without counting: whether `subject` has already used up the window. */
  async exhausted(name: string, subject: string, rule: RateLimit): Promise<number | undefined> {
    const { key, retryAfter } = this.#window(name, subject, rule);
    return ((await this.#store.get<number>(key)) ?? 0) >= rule.limit ? retryAfter : undefined;
  }

  #window(name: string, subject: string, rule: RateLimit): { key: string; retryAfter: number } {
    const now = this.#now();
    const index = Math.floor(now / (rule.window * 1000));
    return { key: tupleKey('rate', name, String(index), subject), retryAfter: Math.max(1, Math.ceil(((index + 1) * rule.window * 1000 - now) / 1000)) };
  }
}

/** How a refusal is written: OAuth JSON, a FHIR OperationOutcome, or a plain page. */
export type RefusalFormat = 'oauth' | 'fhir' | 'html';

/**
 * RFC 6585 §4 `429 Too Many Requests` with `Retry-After` (RFC 9110 §10.2.3). RFC 6749 has no
 * error code for it; the body says `temporarily_unavailable` (its §4.1.2.1 code for a server that
 * cannot handle the request now), FHIR's `throttled` (docs/decisions.md I58).
 */
export function tooManyRequests(reply: FastifyReply, retryAfter: number, format: RefusalFormat): FastifyReply {
  const description = `too many requests; retry after ${retryAfter} s`;
  reply.code(429).header('retry-after', String(retryAfter));
  if (format === 'fhir') {
    return reply.type('application/fhir+json').send({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'throttled', diagnostics: description }] });
  }
  if (format === 'html') return reply.type('text/html; charset=utf-8').send(`<!doctype html><title>Too many requests</title><p>Too many requests. Try again in ${retryAfter} seconds.</p>`);
  return reply.send({ error: 'temporarily_unavailable', error_description: description });
}

/** A per-source limit: the requests it counts, per client address (`request.ip`; TRUST_PROXY decides). */
export interface SourceLimit {
  name: string;
  rule: RateLimit;
  applies: (request: FastifyRequest) => boolean;
  format: RefusalFormat;
}

/** Counts every request a limit applies to, per source address, before anything else runs (I58). */
export function registerSourceLimits(app: FastifyInstance, limiter: RateLimiter, limits: readonly SourceLimit[]): void {
  app.addHook('onRequest', async (request, reply) => {
    for (const limit of limits) {
      if (!limit.applies(request)) continue;
      let retryAfter: number | undefined;
      try {
        retryAfter = await limiter.hit(limit.name, request.ip, limit.rule);
      } catch (error) {
        request.log.error({ err: error, limit: limit.name }, 'rate limit: store unavailable');
        return sendStoreUnavailable(reply, limit.format); // the store could not count: refuse, never let it through uncounted
      }
      if (retryAfter !== undefined) {
        request.log.info({ limit: limit.name, ip: request.ip }, 'rate limit exceeded');
        return tooManyRequests(reply, retryAfter, limit.format);
      }
    }
  });
}
