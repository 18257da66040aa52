import type { FastifyInstance } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isStoreUnavailable, STORE_RETRY_AFTER } from './store.ts';

/** The part of an oidc-provider instance this module needs. */
export interface CallbackProvider {
  callback(): (req: IncomingMessage, res: ServerResponse) => unknown;
}

/**
 * Serves oidc-provider's endpoints at the root of a Fastify app: each listed path becomes a
 * Fastify route that hands the raw request to the provider (notes §1 option B). The scope has
 * no body parsers, so the provider reads the form body itself. Paths are listed explicitly,
 * so the app's own routes (interaction pages, callbacks) stay Fastify's.
 */
export async function mountOidcProvider(app: FastifyInstance, provider: CallbackProvider, paths: readonly string[]): Promise<void> {
  const callback = provider.callback();
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req, _payload, done) => done(null));
    for (const path of paths) {
      scope.route({
        method: ['GET', 'POST', 'OPTIONS', 'DELETE'],
        url: path,
        handler: (request, reply) => {
          reply.hijack();
          // Mounted at the root: the provider's mount path is '' (notes §1, `originalUrl` minus `url`).
          (request.raw as IncomingMessage & { originalUrl?: string }).originalUrl = request.raw.url;
          void callback(request.raw, reply.raw);
        },
      });
    }
  });
}

/**
 * oidc-provider's answer to a JWT access token at its revocation or introspection endpoint once it
 * has authenticated the client: `unsupported_token_type`. The services answer such requests for the
 * JWT access tokens they issue themselves (RFC 7009, RFC 7662) in a post-middleware.
 */
export function refusedAsJwt(ctx: { status: number; body?: unknown; oidc?: { client?: unknown } }): boolean {
  return ctx.status === 400 && (ctx.body as { error?: unknown } | undefined)?.error === 'unsupported_token_type' && ctx.oidc?.client !== undefined;
}

/** The part of an oidc-provider instance {@link answerStoreUnavailable} needs. */
export interface EventedProvider {
  on(event: 'server_error', listener: (ctx: object, error: unknown) => void): unknown;
  use(middleware: (ctx: StoreErrorContext, next: () => Promise<void>) => Promise<void>): unknown;
}

interface StoreErrorContext {
  status: number;
  body?: unknown;
  set(field: string, value: string): void;
}

/**
 * oidc-provider answers any error of its adapter with 500 `server_error`. When the store was
 * unavailable the answer becomes 503 with `Retry-After` (fail closed, docs/decisions.md I75) and,
 * for JSON answers, RFC 6749 §4.1.2.1's `temporarily_unavailable`. A redirect to the client stays.
 */
export function answerStoreUnavailable(provider: EventedProvider): void {
  const failed = new WeakSet<object>();
  provider.on('server_error', (ctx, error) => {
    if (isStoreUnavailable(error)) failed.add(ctx);
  });
  provider.use(async (ctx, next) => {
    await next();
    if (!failed.has(ctx) || ctx.status !== 500) return;
    ctx.status = 503;
    ctx.set('retry-after', String(STORE_RETRY_AFTER));
    const body = ctx.body as { error?: unknown } | undefined;
    if (body && typeof body === 'object' && body.error === 'server_error') {
      ctx.body = { error: 'temporarily_unavailable', error_description: 'the service is temporarily unavailable; try again shortly' };
    }
  });
}
