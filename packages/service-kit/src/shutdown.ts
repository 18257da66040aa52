import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';

/**
 * Lets `app.close()` finish as soon as the requests in flight are answered.
 *
 * Fastify's `close()` closes the keep-alive connections that are idle at that moment. A connection
 * whose request is still in flight is not idle then, and once answered it stays open until the
 * client gives up on it: Fastify's keep-alive timeout is 72 s, far past a deployment's shutdown
 * grace period. So the answers still to come say `Connection: close` (RFC 9112 §9.6), and a
 * connection whose answer is already on its way is ended when that answer is complete.
 * Applies to every route, including those that hijack the reply (oidc-provider).
 */
export function endKeepAliveOnClose(app: FastifyInstance): void {
  const inFlight = new Set<ServerResponse>();
  app.addHook('onRequest', (_request, reply, done) => {
    const res = reply.raw;
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
    done();
  });
  app.addHook('preClose', (done) => {
    for (const res of inFlight) {
      if (!res.headersSent) res.shouldKeepAlive = false;
      else {
        // captured now: Node detaches the socket from the response when it finishes
        const socket = res.socket;
        res.once('finish', () => socket?.end());
      }
    }
    done();
  });
}
