import type { FastifyInstance } from 'fastify';

/**
 * Endpoints that take only POST answer any other method with `405` and `Allow: POST` (RFC 9110
 * §15.5.6), as RFC 9126 §2.3 asks of the pushed authorization request endpoint; without this a
 * mounted oidc-provider answers a plain-text 404. `OPTIONS` is left to the endpoint (CORS).
 */
export function answerPostOnly(app: FastifyInstance, paths: readonly string[]): void {
  const postOnly = new Set(paths);
  app.addHook('onRequest', async (request, reply) => {
    if (request.method === 'POST' || request.method === 'OPTIONS' || !postOnly.has(request.url.split('?')[0]!)) return;
    return reply.code(405).header('allow', 'POST').header('cache-control', 'no-store').send({ error: 'invalid_request', error_description: `${request.method} is not allowed here; use POST` });
  });
}
