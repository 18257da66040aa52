import type { FastifyInstance } from 'fastify';

/**
 * The Content-Security-Policy of every response (docs/decisions.md I55): the pages load nothing
 * from elsewhere, run no script of their own, and may not be framed (clickjacking of the consent
 * and login forms). Inline `style` is the pages' only inline content. `script-src` is named so
 * that oidc-provider adds the hash of the one inline script of its own pages (form_post) to it.
 */
export const CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/** Public documents that carry no code, token or personal data: their caching is left to the route. */
const PUBLIC_DOCUMENT = /\/(?:\.well-known\/[\w-]+|jwks|metadata)$/;

export interface SecurityHeadersOptions {
  /** The service's public URL; `Strict-Transport-Security` only when it is `https` (RFC 6797 §7.2). */
  publicUrl: string;
}

/**
 * Security headers on every response of `app`, oidc-provider's own included: they are set on the
 * raw response in `onRequest`, before a hijacked route hands it to the provider; a Fastify route's
 * own header of the same name wins (Node merges `setHeader` into `writeHead`). A route's own CSP
 * still gets `frame-ancestors 'none'`. Register it before any route.
 */
export function registerSecurityHeaders(app: FastifyInstance, options: SecurityHeadersOptions): void {
  const hsts = new URL(options.publicUrl).protocol === 'https:';
  app.addHook('onRequest', async (request, reply) => {
    const res = reply.raw;
    res.setHeader('content-security-policy', CONTENT_SECURITY_POLICY);
    res.setHeader('x-frame-options', 'DENY'); // RFC 7034, for browsers without CSP frame-ancestors
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('referrer-policy', 'no-referrer'); // launch codes and interaction ids never leave in Referer
    if (hsts) res.setHeader('strict-transport-security', 'max-age=31536000');
    // RFC 9111 §5.2.2.5: pages and API answers carry codes, tokens or personal data (I55)
    if (!PUBLIC_DOCUMENT.test(request.url.split('?')[0]!)) res.setHeader('cache-control', 'no-store');
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    const csp = reply.getHeader('content-security-policy');
    if (typeof csp === 'string' && !csp.includes('frame-ancestors')) reply.header('content-security-policy', `${csp}; frame-ancestors 'none'`);
    return payload;
  });
}
