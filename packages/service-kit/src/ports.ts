import { createServer } from 'node:net';

/** A loopback port held open until the service that needs it is ready to listen on it. */
export interface PortReservation {
  readonly port: number;
  /** Frees the port; call it right before the service's own `listen`. */
  release(): Promise<void>;
}

/**
 * A service's own URL (its issuer, its redirect URIs) must be known before it is built, so tests
 * pick the port first. Asking the kernel for port 0 and closing at once leaves the port free for the
 * seconds a build takes: long enough for a parallel test or an outgoing connection's ephemeral
 * port to take it (EADDRINUSE). A bound listener keeps it out of both until `release()`.
 */
export async function reservePort(host = '127.0.0.1'): Promise<PortReservation> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const { port } = server.address() as { port: number };
  return {
    port,
    release: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
