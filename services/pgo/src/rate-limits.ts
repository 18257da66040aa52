import type { FastifyInstance } from 'fastify';
import type { KeyValueStore } from '@koppelmij/core';
import { RateLimiter, rateLimitsFrom, registerSourceLimits, type RateLimit } from '@koppelmij/service-kit';
import type { PgoConfig } from './config.ts';

/**
 * The PGO's quotas (docs/decisions.md I58): per client at its SMART authorization server's token
 * endpoint (options 2a/2b, level PS), per source address at its browser-facing entry points.
 * Generous defaults; `RATE_LIMITS` overrides them.
 */
const PGO_RATE_LIMITS = {
  token: { limit: 1200, window: 60 },
  authorize: { limit: 300, window: 60 },
  interaction: { limit: 600, window: 60 },
  digid_callback: { limit: 120, window: 60 },
} satisfies Record<string, RateLimit>;

export const pgoRateLimits = (config: Pick<PgoConfig, 'rateLimits'>): Record<keyof typeof PGO_RATE_LIMITS, RateLimit> => rateLimitsFrom(PGO_RATE_LIMITS, config.rateLimits);

/** Per-source limits on the PGO's `/authorize`, its interaction and the DigiD login's callback. */
export function registerPgoRateLimits(app: FastifyInstance, store: KeyValueStore, config: Pick<PgoConfig, 'rateLimits'>): void {
  const limits = pgoRateLimits(config);
  const path = (url: string) => url.split('?')[0]!;
  registerSourceLimits(app, new RateLimiter(store), [
    { name: 'pgo-authorize', rule: limits.authorize, applies: (r) => path(r.url).startsWith('/authorize'), format: 'html' },
    { name: 'pgo-interaction', rule: limits.interaction, applies: (r) => path(r.url).startsWith('/as/interaction/'), format: 'html' },
    { name: 'pgo-digid-callback', rule: limits.digid_callback, applies: (r) => path(r.url) === '/login/callback', format: 'html' },
  ]);
}
