import type { FastifyInstance } from 'fastify';
import { withSecretFiles } from './config.ts';
import { assertDeployable } from './guardrails.ts';
import { installLocalhostResolver } from './localhost.ts';

/** What {@link runService} needs to know of a service. */
export interface ServiceDefinition<C> {
  name: string;
  /** Reads the configuration (the env has `<NAME>_FILE` secrets resolved already). */
  load(env: Record<string, string | undefined>): C;
  build(config: C): Promise<FastifyInstance>;
  /** Port, bind address, public URL and store of `config`. */
  listen(config: C): { port: number; host: string; publicUrl: string; store: string };
  /** Keys and secrets that must be configured in production (`A|B`: either). */
  secrets: readonly string[];
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  /** How long in-flight requests may take to finish after SIGTERM/SIGINT (ms). */
  drainTimeout?: number;
}

/**
 * The one `main` of every service: configuration (with secret files), production guardrails,
 * build, listen, and a graceful end on SIGTERM and SIGINT (docs/decisions.md I81). Explicit
 * handlers matter in a container: Node as PID 1 gets no default action for SIGTERM. On a signal
 * the service stops accepting connections, lets in-flight requests finish (`endKeepAliveOnClose`),
 * closes its store and exits 0; after `drainTimeout` it exits 1.
 */
export async function runService<C>(service: ServiceDefinition<C>, options: RunOptions = {}): Promise<FastifyInstance> {
  const env = withSecretFiles(options.env ?? process.env);
  const config = service.load(env);
  const { port, host, publicUrl, store } = service.listen(config);
  assertDeployable(service.name, env, { publicUrl, secrets: service.secrets, store });
  // RFC 6761 §6.3 for Node's fetch: only where every `*.localhost` service runs on this host (docs/decisions.md I82)
  if (/^(true|1)$/.test(env.RESOLVE_LOCALHOST ?? '')) installLocalhostResolver();
  const app = await service.build(config);
  await app.listen({ port, host });
  app.log.info({ service: service.name, publicUrl, port, host }, 'listening');

  const drainTimeout = options.drainTimeout ?? 10_000;
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down: draining in-flight requests');
    const timer = setTimeout(() => {
      app.log.error({ drainTimeout }, 'requests still in flight after the drain timeout; exiting');
      process.exit(1);
    }, drainTimeout);
    timer.unref();
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        app.log.error({ err: error }, 'error while closing');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  return app;
}

/** Runs `main` and, when it throws at start-up, prints the reason and exits 1 (no stack trace for configuration errors). */
export function startOrExit(name: string, main: () => Promise<unknown>): void {
  main().catch((error: unknown) => {
    console.error(error instanceof Error && /configuration|refuses to start/.test(error.message) ? error.message : error);
    console.error(`${name}: not started`);
    process.exit(1);
  });
}
