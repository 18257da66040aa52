import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';

/** What the balancer saw: every request to a target, with its answer's status. */
export interface Exchange {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  status: number;
  target: number;
}

/**
 * A tiny load balancer for tests: each request goes to the next target port in turn; a target
 * that refuses the connection is skipped (the request never reached it, so any method may go on).
 * `Host` is passed on unchanged, as behind a real balancer. `onExchange` sees every answered request.
 */
export async function roundRobin(port: number, targets: readonly number[], onExchange?: (exchange: Exchange) => void): Promise<Server> {
  let next = 0;
  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const body = Buffer.concat(chunks);
      const attempt = (left: number) => {
        const target = targets[next++ % targets.length]!;
        const forward = request({ host: '127.0.0.1', port: target, method: incoming.method, path: incoming.url, headers: incoming.headers }, (answer) => {
          outgoing.writeHead(answer.statusCode!, answer.headers);
          answer.pipe(outgoing);
          onExchange?.({ method: incoming.method!, path: incoming.url!, headers: incoming.headers, body, status: answer.statusCode!, target });
        });
        forward.on('error', (error: NodeJS.ErrnoException) => {
          if (error.code === 'ECONNREFUSED' && left > 1) return attempt(left - 1);
          if (!outgoing.headersSent) outgoing.writeHead(502).end();
          else outgoing.destroy();
        });
        forward.end(body);
      };
      attempt(targets.length);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}
