/**
 * The compose topology (docker-compose.yml) as local processes for section `scale`: a Redis of the
 * benchmark's own, each service's `services/<name>/src/main.ts` run by `node
 * --conditions=@koppelmij/source` with the compose environment and `STORE=redis://…/<db>`, and
 * `instances` copies of dva-auth and dva-fhir behind a round-robin HTTP proxy each. The copies of
 * dva-auth share their signing key, cookie keys and DPoP nonce secret through their environment
 * (SIGNING_JWK, COOKIE_KEYS, DPOP_NONCE_SECRET), as a deployment of several instances must.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes, randomInt, type JsonWebKey } from 'node:crypto';
import { once } from 'node:events';
import { Agent, createServer, request, type Server } from 'node:http';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { reservePort } from '@koppelmij/service-kit';
import { UNLIMITED_RATE_LIMITS } from '../scripts/stack.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
// RFC 6761 §6.3 for the services' own fetch: compose gives them network aliases instead

export interface Topology {
  urls: { pgo: string; dvaAuth: string; dvaFhir: string; module: string; digid: string };
  /** The private JWK the dva-auth instances sign with (the benchmark signs its FHIR access tokens with it). */
  dvaSigningJwk: JsonWebKey & { kid: string };
  /** How many dva-auth and dva-fhir instances the proxies send requests to (1 … started). */
  use(instances: number): void;
  close(): Promise<void>;
}

/** Starts Redis, the five services (dva-auth and dva-fhir `instances` times) and the two proxies. */
export async function startTopology(instances: number): Promise<Topology> {
  const children: ChildProcess[] = [];
  const servers: Server[] = [];
  const close = async () => {
    for (const server of servers) server.closeAllConnections();
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    await Promise.all(children.map(stop));
  };
  try {
    const redisPort = await startRedis(children);
    const proxies = { dvaAuth: await roundRobinProxy(servers), dvaFhir: await roundRobinProxy(servers) };
    const ports = { pgo: await freePort(), module: await freePort(), digid: await freePort() };
    const urls = {
      pgo: `http://pgo.localhost:${ports.pgo}`,
      dvaAuth: `http://dva.localhost:${proxies.dvaAuth.port}`,
      dvaFhir: `http://fhir.localhost:${proxies.dvaFhir.port}/fhir`,
      module: `http://module.localhost:${ports.module}`,
      digid: `http://digid.localhost:${ports.digid}`,
    };
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const dvaSigningJwk = { ...privateKey.export({ format: 'jwk' }), kid: 'scale-bench', alg: 'ES256' };
    const common = {
      PGO_URL: urls.pgo, DVA_AUTH_URL: urls.dvaAuth, DVA_FHIR_URL: urls.dvaFhir, MODULE_URL: urls.module, DIGID_URL: urls.digid,
      HOST: '127.0.0.1', LOG_LEVEL: 'info',
      RESOLVE_LOCALHOST: 'true', // one host, no network aliases: each service resolves *.localhost itself (docs/decisions.md I82)
      RATE_LIMITS: UNLIMITED_RATE_LIMITS, // one load generator on one address: the quotas (docs/decisions.md I58) would measure themselves
    };
    const redis = (db: number) => `redis://127.0.0.1:${redisPort}/${db}`;
    const { privateKey: rsaKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const idTokenJwk = { ...rsaKey.export({ format: 'jwk' }), kid: 'scale-bench-rs256', alg: 'RS256' };
    // every dva-auth instance signs with the same keys (docs/decisions.md I78, I103)
    const dvaShared = { SIGNING_JWK: JSON.stringify(dvaSigningJwk), SIGNING_RSA_JWK: JSON.stringify(idTokenJwk), COOKIE_KEYS: randomBytes(32).toString('base64url'), DPOP_NONCE_SECRET: randomBytes(32).toString('base64url') };
    const started: Array<Promise<void>> = [
      service(children, 'digid-mock', ports.digid, {
        ...common, DIGID_PORT: String(ports.digid), STORE: redis(3),
        DIGID_CLIENTS: JSON.stringify([
          { client_id: 'dva-auth', client_secret: 'demo-digid-secret-change-me', redirect_uris: [`${urls.dvaAuth}/digid/callback`] },
          { client_id: 'pgo-demo', client_secret: 'demo-pgo-digid-secret-change-me', redirect_uris: [`${urls.pgo}/login/callback`] },
        ]),
      }),
      service(children, 'pgo', ports.pgo, { ...common, PGO_PORT: String(ports.pgo), STORE: redis(1) }),
      service(children, 'module', ports.module, { ...common, MODULE_PORT: String(ports.module), STORE: redis(2) }),
    ];
    for (let i = 0; i < instances; i++) {
      const authPort = await freePort();
      const fhirPort = await freePort();
      proxies.dvaAuth.upstreams.push(authPort);
      proxies.dvaFhir.upstreams.push(fhirPort);
      // dva-auth and dva-fhir are both the DVA: one store (docker-compose.yml)
      started.push(service(children, 'dva-auth', authPort, { ...common, ...dvaShared, DVA_AUTH_PORT: String(authPort), STORE: redis(0) }));
      started.push(service(children, 'dva-fhir', fhirPort, { ...common, DVA_FHIR_PORT: String(fhirPort), STORE: redis(0) }));
    }
    await Promise.all(started);
    return {
      urls,
      dvaSigningJwk: dvaSigningJwk as Topology['dvaSigningJwk'],
      use(n) {
        proxies.dvaAuth.active = n;
        proxies.dvaFhir.active = n;
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

async function freePort(): Promise<number> {
  const reservation = await reservePort();
  await reservation.release();
  return reservation.port;
}

/** A Redis on a random port in 20000–30000, no persistence; answers its port once it takes commands. */
async function startRedis(children: ChildProcess[]): Promise<number> {
  const port = randomInt(20_000, 30_000);
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  children.push(redis);
  await until(() => new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(() => resolve(true)));
    socket.on('error', () => resolve(false));
  }), 'redis-server');
  return port;
}

/** Runs `services/<name>/src/main.ts` with `env`; resolves once it answers HTTP on `port`. */
async function service(children: ChildProcess[], name: string, port: number, env: Record<string, string>): Promise<void> {
  const child = spawn(process.execPath, ['--conditions=@koppelmij/source', `services/${name}/src/main.ts`], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2_000)));
  const exited = once(child, 'exit').then(() => {
    throw new Error(`${name} exited during start: ${stderr}`);
  });
  const answers = until(() => fetch(`http://127.0.0.1:${port}/`).then(() => true, () => false), name);
  await Promise.race([answers, exited]);
}

async function until(ready: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error(`${what} did not start within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** A tiny HTTP proxy: each request to the next of the first `active` upstream ports, keep-alive to each. */
async function roundRobinProxy(servers: Server[]): Promise<{ port: number; upstreams: number[]; active: number }> {
  const state = { port: 0, upstreams: [] as number[], active: 1 };
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  let next = 0;
  const server = createServer((req, res) => {
    const port = state.upstreams[next++ % Math.min(state.active, state.upstreams.length)]!;
    const upstream = request({ host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers, agent }, (answer) => {
      // rawHeaders keep repeated fields (Set-Cookie) apart
      res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
      answer.pipe(res);
    });
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  server.keepAliveTimeout = 70_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  servers.push(server);
  state.port = (server.address() as { port: number }).port;
  server.on('close', () => agent.destroy());
  return state;
}
