import type { FastifyInstance } from 'fastify';

/** A readiness check: resolves when the part is ready, rejects (or times out) when not. */
export type ReadinessCheck = () => Promise<unknown>;

/** How long one readiness check may take before it counts as failed (ms). */
const CHECK_TIMEOUT = 1500;

/**
 * The health routes every service has (docs/decisions.md I76):
 * - `GET /health/live`: 200 while the process serves requests (a restart is the remedy otherwise);
 * - `GET /health/ready`: 200 when every check passes (its store answers, its keys are loaded),
 *   else 503 naming the failed checks; a load balancer sends no traffic to it meanwhile.
 */
export function registerHealth(app: FastifyInstance, checks: Record<string, ReadinessCheck>): void {
  app.get('/health/live', async (_request, reply) => reply.header('cache-control', 'no-store').send({ status: 'ok' }));
  app.get('/health/ready', async (_request, reply) => {
    const entries = await Promise.all(Object.entries(checks).map(async ([name, check]) => [name, await passes(check)] as const));
    const ready = entries.every(([, ok]) => ok);
    const body = { status: ready ? 'ok' : 'unavailable', checks: Object.fromEntries(entries.map(([name, ok]) => [name, ok ? 'ok' : 'unavailable'])) };
    return reply.code(ready ? 200 : 503).header('cache-control', 'no-store').send(body);
  });
}

async function passes(check: ReadinessCheck): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), CHECK_TIMEOUT)));
  try {
    return await Promise.race([check().then(() => true as const), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
