import type { FastifyInstance } from 'fastify';

/** What a browser SMART app must read from the answers (RFC 9449 §8 nonce, RFC 6750 §3 challenge). */
const EXPOSED = 'WWW-Authenticate, DPoP-Nonce';
/** What it sends (SMART App Launch 2.x "Considerations for Cross-Origin Resource Sharing"). */
const ALLOWED_HEADERS = 'Authorization, DPoP, Content-Type';
const ALLOWED_METHODS = 'GET, POST, PUT, PATCH';

/** A registered client as far as CORS is concerned. */
export interface CorsClient {
  redirect_uris: readonly string[];
  /** Further origins of the client's browser part (registration field `allowed_origins`). */
  allowed_origins?: readonly string[] | undefined;
}

/** The origins of the clients' redirect URIs and their `allowed_origins` (docs/decisions.md I57). */
export function browserOrigins(clients: Iterable<CorsClient>): Set<string> {
  const origins = new Set<string>();
  for (const client of clients) {
    for (const uri of [...client.redirect_uris, ...(client.allowed_origins ?? [])]) origins.add(new URL(uri).origin);
  }
  return origins;
}

export interface CorsOptions {
  /** The origins whose scripts may read the `restricted` paths' answers. */
  origins: ReadonlySet<string>;
  /** Public documents (discovery, JWKS, CapabilityStatement): readable from any origin, `*`. */
  open?: (path: string) => boolean;
  /** Token, introspection, revocation, FHIR data: readable by the registered origins only. */
  restricted: (path: string) => boolean;
}

/**
 * CORS for browser-based SMART apps (Fetch §3.2; SMART App Launch 2.x "CORS"), decision I57:
 * `Access-Control-Allow-Origin` with the request's `Origin` when it is registered (never `*` on
 * these, and never `Access-Control-Allow-Credentials`: the apps authenticate with tokens and
 * DPoP, not cookies); `*` on public documents; nothing elsewhere (`/authorize` and the
 * interaction pages are navigations, never read by a script). Preflights are answered here (204);
 * headers go on the raw response, so oidc-provider's answers carry them and its own CORS
 * handling stands aside. Register it before any route.
 */
export function registerCors(app: FastifyInstance, options: CorsOptions): void {
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0]!;
    const open = options.open?.(path) === true;
    if (!open && !options.restricted(path)) return;
    const res = reply.raw;
    res.setHeader('vary', 'Origin');
    const origin = request.headers.origin;
    if (origin === undefined) return;
    const allowed = open || options.origins.has(origin);
    if (allowed) {
      res.setHeader('access-control-allow-origin', open ? '*' : origin);
      res.setHeader('access-control-expose-headers', EXPOSED);
    }
    if (request.method !== 'OPTIONS' || request.headers['access-control-request-method'] === undefined) return;
    if (allowed) {
      res.setHeader('access-control-allow-methods', open ? 'GET' : ALLOWED_METHODS);
      res.setHeader('access-control-allow-headers', ALLOWED_HEADERS);
      res.setHeader('access-control-max-age', '600');
    }
    return reply.code(204).send();
  });
}
