/** The part of an oidc-provider instance this module needs. */
export interface MiddlewareProvider {
  use(middleware: (ctx: { status: number; body?: unknown; oidc?: unknown }, next: () => Promise<void>) => Promise<void>): unknown;
}

/** oidc-provider's text for a request to a client-authenticated endpoint that carries no client authentication. */
const NO_CLIENT_AUTH = 'no client authentication mechanism provided';

/**
 * RFC 6749 §5.2: a request with no client authentication at all is `invalid_client` (401: "no
 * client authentication included"); oidc-provider answers `400 invalid_request`. A Koa
 * post-middleware rewrites that one answer at every client-authenticated endpoint (token,
 * PAR, revocation, introspection).
 */
export function answerMissingClientAuthentication(provider: MiddlewareProvider): void {
  provider.use(async (ctx, next) => {
    await next();
    const body = ctx.body as { error?: unknown; error_description?: unknown } | undefined;
    if (ctx.status !== 400 || body?.error !== 'invalid_request' || body.error_description !== NO_CLIENT_AUTH) return;
    ctx.status = 401;
    ctx.body = { error: 'invalid_client', error_description: 'client authentication is required' };
  });
}
