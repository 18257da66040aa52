import type { FastifyInstance } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { checkClientQuota, countClientRequests, type ClientQuota, type QuotaProvider } from './client-quota.ts';
import { isStoreUnavailable, STORE_RETRY_AFTER, STORE_UNAVAILABLE } from './store.ts';

/** The part of an oidc-provider instance this module needs. */
export interface CallbackProvider {
  callback(): (req: IncomingMessage, res: ServerResponse) => unknown;
}

/**
 * Serves oidc-provider's endpoints at the root of a Fastify app: each listed path becomes a
 * Fastify route that hands the raw request to the provider (docs/oidc-provider-notes.md §1 option B). The scope has
 * no body parsers, so the provider reads the form body itself. Paths are listed explicitly,
 * so the app's own routes (interaction pages, callbacks) stay Fastify's.
 *
 * With a `clientQuota` (docs/decisions.md I58), the form body of the quota's paths is read first
 * (so the claimed client is known before the provider runs) and replayed to the provider; the
 * provider counts the requests it authenticated.
 */
export async function mountOidcProvider(app: FastifyInstance, provider: CallbackProvider & Partial<QuotaProvider>, paths: readonly string[], options: { clientQuota?: ClientQuota } = {}): Promise<void> {
  const { clientQuota } = options;
  // Koa composes the middleware when `callback()` is called: the counter goes in first
  if (clientQuota && provider.use) countClientRequests(provider as QuotaProvider, clientQuota);
  const callback = provider.callback();
  const quotaPaths = paths.filter((path) => clientQuota?.limits[path] !== undefined);
  await mount(app, callback, paths.filter((path) => !quotaPaths.includes(path)));
  if (clientQuota && quotaPaths.length > 0) {
    await mount(app, callback, quotaPaths, (scope) => {
      // oidc-provider's own body limit (56 KiB); the provider then reads the same bytes again
      scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer', bodyLimit: 56 * 1024 }, (request, body, done) => {
        replayBody(request.raw, body as Buffer);
        done(null, new URLSearchParams((body as Buffer).toString('utf8')));
      });
      scope.addHook('preHandler', async (request, reply) => checkClientQuota(clientQuota, request.routeOptions.url ?? '', request, reply));
    });
  }
}

/**
 * Lets oidc-provider read a request body Fastify has already read: the request answers its
 * `readable` and `iterator` from a stream of the same bytes, so the provider parses the body
 * itself, as on every other path.
 */
function replayBody(raw: IncomingMessage, body: Buffer): void {
  const replay = Readable.from([body]);
  Object.defineProperty(raw, 'readable', { get: () => replay.readable, configurable: true });
  Object.defineProperty(raw, 'iterator', { value: replay.iterator.bind(replay), configurable: true });
}

async function mount(app: FastifyInstance, callback: ReturnType<CallbackProvider['callback']>, paths: readonly string[], setup?: (scope: FastifyInstance) => void): Promise<void> {
  if (paths.length === 0) return;
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    setup?.(scope);
    scope.addContentTypeParser('*', (_req, _payload, done) => done(null));
    for (const path of paths) {
      scope.route({
        method: ['GET', 'POST', 'OPTIONS', 'DELETE'],
        url: path,
        // oidc-provider's endpoints take cross-origin requests (token, PAR, form_post to /authorize) and check their own input
        config: { acceptsCrossOrigin: true },
        handler: (request, reply) => {
          reply.hijack();
          // Mounted at the root: the provider's mount path is '' (docs/oidc-provider-notes.md §1, `originalUrl` minus `url`).
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
      ctx.body = { error: 'temporarily_unavailable', error_description: STORE_UNAVAILABLE };
    }
  });
}
