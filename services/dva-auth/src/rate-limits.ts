import type { FastifyInstance } from 'fastify';
import type { KeyValueStore } from '@koppelmij/core';
import { RateLimiter, rateLimitsFrom, registerSourceLimits, type ClientQuota, type RateLimit } from '@koppelmij/service-kit';

/**
 * The DVA's quotas (docs/decisions.md I58): per client at PAR and token, per source address at
 * the browser-facing entry points, and a cap on stored unauthenticated audit failures (I59).
 * Generous defaults; `RATE_LIMITS` overrides them.
 */
export const DVA_AUTH_RATE_LIMITS = {
  par: { limit: 600, window: 60 },
  token: { limit: 1200, window: 60 },
  authorize: { limit: 300, window: 60 },
  interaction: { limit: 600, window: 60 },
  digid_callback: { limit: 120, window: 60 },
  audit_unauthenticated: { limit: 1000, window: 3600 },
} satisfies Record<string, RateLimit>;

export type DvaAuthRateLimits = Record<keyof typeof DVA_AUTH_RATE_LIMITS, RateLimit>;

/** Registers the per-source limits on `app`; returns the per-client quota for the provider's mount. */
export function registerDvaRateLimits(app: FastifyInstance, store: KeyValueStore, limits: DvaAuthRateLimits): ClientQuota {
  const limiter = new RateLimiter(store);
  const path = (url: string) => url.split('?')[0]!;
  registerSourceLimits(app, limiter, [
    { name: 'authorize', rule: limits.authorize, applies: (r) => path(r.url).startsWith('/authorize'), format: 'html' },
    { name: 'interaction', rule: limits.interaction, applies: (r) => /^\/(interaction|launch-module)(\/|$)/.test(path(r.url)), format: 'html' },
    { name: 'digid-callback', rule: limits.digid_callback, applies: (r) => path(r.url) === '/digid/callback', format: 'html' },
  ]);
  return { limiter, limits: { '/par': limits.par, '/token': limits.token } };
}

export const dvaAuthRateLimits = (json: string | undefined): DvaAuthRateLimits => rateLimitsFrom(DVA_AUTH_RATE_LIMITS, json);
