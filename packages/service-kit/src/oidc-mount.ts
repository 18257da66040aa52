import type { FastifyInstance } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';

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
