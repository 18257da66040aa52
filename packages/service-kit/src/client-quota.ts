import type { FastifyRequest } from 'fastify';
import { decodeJwt } from 'jose';
import { sendStoreUnavailable } from './errors.ts';
import { tooManyRequests, type RateLimit, type RateLimiter } from './rate-limit.ts';

/** Per-client quotas at oidc-provider endpoints, by path (`/par`, `/token`): docs/decisions.md I58. */
export interface ClientQuota {
  limiter: RateLimiter;
  limits: Readonly<Record<string, RateLimit>>;
}

/** The part of oidc-provider the quota needs: its Koa middleware stack. */
export interface QuotaProvider {
  use(middleware: (ctx: { path: string; status: number; oidc?: { client?: { clientId: string } } }, next: () => Promise<void>) => Promise<void>): unknown;
}

/**
 * The client a request says it is, before oidc-provider authenticates it: RFC 6749 §2.3.1 Basic,
 * `client_id`, or the `sub` of an RFC 7523 §3 `client_assertion` (read, not verified: only a
 * lookup key for {@link checkClientQuota}).
 */
export function claimedClientId(request: FastifyRequest): string | undefined {
  const authorization = request.headers.authorization;
  if (authorization?.startsWith('Basic ')) {
    const user = Buffer.from(authorization.slice(6), 'base64').toString('utf8').split(':')[0];
    try {
      return user ? decodeURIComponent(user) : undefined;
    } catch {
      return undefined;
    }
  }
  const body = request.body instanceof URLSearchParams ? request.body : undefined;
  const clientId = body?.get('client_id');
  if (clientId) return clientId;
  const assertion = body?.get('client_assertion');
  try {
    return assertion ? decodeJwt(assertion).sub : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Refuses (429) a request of a client that has used up its quota of `path`. Only requests the
 * provider authenticated as that client count ({@link countClientRequests}), so nobody can spend
 * another client's quota by naming it.
 */
export async function checkClientQuota(quota: ClientQuota, path: string, request: FastifyRequest, reply: Parameters<typeof tooManyRequests>[0]): Promise<unknown> {
  const limit = quota.limits[path];
  const clientId = limit && claimedClientId(request);
  if (!limit || !clientId) return undefined;
  let retryAfter: number | undefined;
  try {
    retryAfter = await quota.limiter.exhausted(`client${path}`, clientId, limit);
  } catch (error) {
    request.log.error({ err: error }, 'client quota: store unavailable');
    return sendStoreUnavailable(reply, 'oauth');
  }
  if (retryAfter === undefined) return undefined;
  request.log.info({ client_id: clientId, path }, 'client quota exceeded');
  return tooManyRequests(reply, retryAfter, 'oauth');
}

/** Counts, after oidc-provider has authenticated the client, each request of the quota's paths. */
export function countClientRequests(provider: QuotaProvider, quota: ClientQuota): void {
  provider.use(async (ctx, next) => {
    // the provider loads the client named in the request before authenticating it: a 401 is no client's request
    let authenticated = false;
    try {
      await next();
      authenticated = ctx.status !== 401;
    } catch (error) {
      // refused requests of an authenticated client count too (the provider throws them to its error handler)
      authenticated = (error as { status?: number }).status !== 401;
      throw error;
    } finally {
      const limit = quota.limits[ctx.path];
      const clientId = ctx.oidc?.client?.clientId;
      // a store that cannot count now fails the next request's check (503); this answer is already made
      if (authenticated && limit && clientId) await quota.limiter.hit(`client${ctx.path}`, clientId, limit).catch(() => undefined);
    }
  });
}
