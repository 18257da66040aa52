import { Agent, request, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { endKeepAliveOnClose } from '../src/shutdown.ts';

const agents: Agent[] = [];
afterEach(() => agents.splice(0).forEach((a) => a.destroy()));

/**
 * An app whose `/slow` route answers only when `answer()` is called; `arrived` resolves when the
 * request is in, `closing` when `close()` has begun (its preClose hooks ran).
 */
async function slowApp(options: { helper: boolean; mode: 'send' | 'hijack' | 'stream' }) {
  const app = Fastify();
  if (options.helper) endKeepAliveOnClose(app);
  let closeStarted!: () => void;
  const closing = new Promise<void>((resolve) => (closeStarted = resolve));
  app.addHook('preClose', (done) => {
    closeStarted();
    done();
  });
  let answer!: () => void;
  const answered = new Promise<void>((resolve) => (answer = resolve));
  let arrive!: () => void;
  const arrived = new Promise<void>((resolve) => (arrive = resolve));
  app.get('/slow', async (_request, reply) => {
    if (options.mode === 'stream') {
      reply.hijack();
      reply.raw.writeHead(200, { 'content-type': 'text/plain' });
      reply.raw.write('first ');
      arrive();
      await answered;
      reply.raw.end('last');
      return;
    }
    arrive();
    await answered;
    if (options.mode === 'hijack') {
      reply.hijack();
      reply.raw.writeHead(200, { 'content-type': 'text/plain' }).end('raw');
      return;
    }
    return 'sent';
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, answer, arrived, closing, port: (app.server.address() as { port: number }).port };
}

/** GET /slow on a keep-alive agent; resolves with the response and the socket it came on. */
function get(port: number): Promise<{ response: IncomingMessage; body: Promise<string>; socket: Socket }> {
  const agent = new Agent({ keepAlive: true });
  agents.push(agent);
  return new Promise((resolve, reject) => {
    const req = request({ port, host: '127.0.0.1', path: '/slow', agent }, (response) => {
      const body = new Promise<string>((done) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => done(text));
      });
      resolve({ response, body, socket: req.socket! });
    });
    req.on('error', reject);
    req.end();
  });
}

const socketClosed = (socket: Socket) => new Promise<void>((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));

/**
 * A request is in flight, `app.close()` begins, then the route answers: what the client got, and
 * `closed`, which resolves when close() has finished.
 */
async function closeWhileInFlight(options: Parameters<typeof slowApp>[0]) {
  const { app, answer, arrived, closing, port } = await slowApp(options);
  const pending = get(port);
  await arrived;
  const closed = app.close();
  await closing;
  answer();
  return { ...(await pending), closed };
}

describe('endKeepAliveOnClose', () => {
  it.each(['send', 'hijack'] as const)('answers a request in flight at close() with Connection: close (%s)', async (mode) => {
    const { response, body, socket, closed } = await closeWhileInFlight({ helper: true, mode });
    expect(response.headers.connection).toBe('close');
    expect(await body).toBe(mode === 'send' ? 'sent' : 'raw');
    await socketClosed(socket);
    await closed;
  });

  it('ends the connection once an answer already under way is complete', async () => {
    const { response, body, socket, closed } = await closeWhileInFlight({ helper: true, mode: 'stream' });
    expect(response.headers.connection).toBe('keep-alive');
    expect(await body).toBe('first last');
    await socketClosed(socket);
    await closed;
  });

  it('without it, the answer keeps the connection alive and close() waits for the client', async () => {
    const { response, body, socket, closed } = await closeWhileInFlight({ helper: false, mode: 'send' });
    expect(response.headers.connection).toBe('keep-alive');
    expect(await body).toBe('sent');
    expect(socket.destroyed).toBe(false);
    socket.destroy();
    await closed;
  });
});
