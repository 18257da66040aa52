import type { FastifyInstance } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkClientQuota, countClientRequests, type ClientQuota, type QuotaProvider } from './client-quota.ts';

/** The part of an oidc-provider instance this module needs. */
export interface CallbackProvider {
  callback(): (req: IncomingMessage, res: ServerResponse) => unknown;
}

/**
 * Serves oidc-provider's endpoints at the root of a Fastify app: each listed path becomes a
 * Fastify route that hands the raw request to the provider (notes §1 option B). The scope has
 * no body parsers, so the provider reads the form body itself. Paths are listed explicitly,
 * so the app's own routes (interaction pages, callbacks) stay Fastify's.
 *
 * With a `clientQuota` (docs/decisions.md I58), the form body of the quota's paths is read first
 * (so the claimed client is known before the provider runs) and handed to the provider as
 * `req.body`, which it reads instead of the stream; the provider counts authenticated requests.
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
      // oidc-provider's own body limit (56 KiB); it takes a string `req.body` as the form
      scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 56 * 1024 }, (request, body, done) => {
        (request.raw as IncomingMessage & { body?: string }).body = String(body);
        done(null, new URLSearchParams(String(body)));
      });
      scope.addHook('preHandler', async (request, reply) => checkClientQuota(clientQuota, request.routeOptions.url ?? '', request, reply));
    });
  }
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
