/**
 * Section `fhir` (issue 3): the DPoP-protected FHIR read `GET Task/<id>` at dva-fhir (access token
 * per RFC 9068 §4, DPoP proof per RFC 9449 §4.3 and §7 with its jti insert, revocation lookup,
 * launch-context policy) next to the same route served by a plain Fastify app without any
 * authentication. The servers run in a worker thread (fhir-server.ts), the load generator here:
 * keep-alive connections, a fixed number of requests in flight, a fresh pre-signed proof per request.
 */
import { generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import { Agent, request, type OutgoingHttpHeaders } from 'node:http';
import { Worker } from 'node:worker_threads';
import { createDpopProof, generateDpopKey, randomToken, signJwtAccessToken } from '@koppelmij/core';
import type { FhirServerData } from './fhir-server.ts';
import { batch, compareFresh, percentile, printTable, record, type BenchOptions, type Row } from './util.ts';

const FHIR = 'http://fhir.localhost:4200/fhir';
const ISSUER = 'http://dva.localhost:4100';
const PATH = '/fhir/Task/task-3a';
const IN_FLIGHT = 8;

/** Runs and prints the `fhir` section. */
export async function benchFhir(options: BenchOptions): Promise<void> {
  const n = options.quick ? 400 : 24_000;
  const warmup = options.quick ? 100 : 2_000;
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const data: FhirServerData = { fhirUrl: FHIR, issuer: ISSUER, accessTokenJwk: publicKey.export({ format: 'jwk' }) };
  const worker = new Worker(new URL('./fhir-server.ts', import.meta.url), { workerData: data });
  const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  try {
    const [{ dvaFhir }] = (await once(worker, 'message')) as [{ dvaFhir: number }];

    // module-3a's token for Tom launched on task-3a (docs/architecture.md "Tokens the DVA issues"), DPoP-bound
    const key = await generateDpopKey('ES256');
    const now = Math.floor(Date.now() / 1000);
    const accessToken = await signJwtAccessToken({
      iss: ISSUER, sub: 'pseudonym-of-tom', aud: FHIR, client_id: 'module-3a', iat: now, exp: now + 900, jti: randomToken(),
      scope: 'launch openid fhirUser patient/*.read patient/Task.write patient/Observation.write',
      patient: 'pat-van-duinen', grant_id: 'grant-bench', fhirContext: [{ reference: 'Task/task-3a' }], cnf: { jkt: key.jkt },
    }, { privateKey, alg: 'ES256' });
    const proof = () => createDpopProof({ key, htm: 'GET', htu: `${FHIR}/Task/task-3a`, accessToken });
    const authorized = async (count: number) =>
      (await batch(count, proof)).map((dpop): OutgoingHttpHeaders => ({ authorization: `DPoP ${accessToken}`, dpop }));

    const [sample] = await authorized(1);
    const first = await get(agent, dvaFhir, sample!);
    if (first.status !== 200) throw new Error(`dva-fhir answered ${first.status} to a valid DPoP request: ${first.body.slice(0, 300)}`);
    worker.postMessage({ task: first.body });
    const [{ plain }] = (await once(worker, 'message')) as [{ plain: number }];

    const busy = utilisation(worker);
    const timings = await compareFresh(n, authorized, {
      dvaFhir: (headers) => expect200(get(agent, dvaFhir, headers)),
      // the same headers, ignored: both servers receive the same bytes
      plain: (headers) => expect200(get(agent, plain, headers)),
    }, { warmup, inFlight: IN_FLIGHT, around: busy });
    const cpuPerRequest = (name: 'dvaFhir' | 'plain') => busy.serverCpuUs(name) / n;
    const row = (name: 'dvaFhir' | 'plain'): Row => ({
      'req/s': timings[name].opsPerSecond,
      'p50 ms': percentile(timings[name].latencies, 50),
      'p99 ms': percentile(timings[name].latencies, 99),
      'server busy %': busy.share(name, 'server'),
      'client busy %': busy.share(name, 'client'),
      'server CPU µs/req': cpuPerRequest(name),
    });
    record('fhir_dpop_vs_plain_rps', timings.dvaFhir.opsPerSecond / timings.plain.opsPerSecond);
    record('fhir_server_cpu_ratio', cpuPerRequest('dvaFhir') / cpuPerRequest('plain'));
    record('fhir_dpop_server_cpu_us', cpuPerRequest('dvaFhir'));
    record('fhir_plain_server_cpu_us', cpuPerRequest('plain'));
    const plainBound = busy.share('plain', 'server') < busy.share('plain', 'client');
    printTable(`fhir · GET Task/task-3a, ${IN_FLIGHT} in flight, keep-alive (servers in a worker thread, client in the main thread)`, [
      { server: 'dva-fhir: DPoP-bound JWT, fresh proof each', ...row('dvaFhir') },
      { server: 'plain Fastify: same JSON, no auth', ...row('plain') },
    ], `ratio plain / dva-fhir: ${(timings.plain.opsPerSecond / timings.dvaFhir.opsPerSecond).toFixed(2)}× the requests per second` +
      `${plainBound ? ' (a lower bound: the plain server waited on the load generator)' : ''}\n` +
      `ratio dva-fhir / plain: ${(cpuPerRequest('dvaFhir') / cpuPerRequest('plain')).toFixed(2)}× the server CPU time per request\n` +
      `${n} requests each, alternating rounds; busy = event-loop utilisation of that thread; server CPU = worker thread +\n` +
      'libuv thread pool (WebCrypto runs there) = process CPU time minus the load generator thread\'s');
  } finally {
    agent.destroy();
    await worker.terminate();
  }
}

/**
 * Per contender, summed over its timed runs: event-loop utilisation of the server (worker) and
 * the client (main) thread, and the server's CPU time: the process's CPU time minus the main
 * thread's, i.e. the worker plus the libuv thread pool where WebCrypto signs and verifies.
 */
function utilisation(worker: Worker) {
  type Side = 'server' | 'client';
  interface Sum { server: { active: number; idle: number }; client: { active: number; idle: number }; serverCpuUs: number }
  const sums = new Map<string, Sum>();
  const snapshot = () => ({
    server: worker.performance.eventLoopUtilization(),
    client: performance.eventLoopUtilization(),
    process: process.cpuUsage(),
    main: process.threadCpuUsage(),
  });
  let start = snapshot();
  return {
    before() {
      start = snapshot();
    },
    after(name: string) {
      const sum = sums.get(name) ?? { server: { active: 0, idle: 0 }, client: { active: 0, idle: 0 }, serverCpuUs: 0 };
      const elu = { server: worker.performance.eventLoopUtilization(start.server), client: performance.eventLoopUtilization(start.client) };
      for (const side of ['server', 'client'] as const) {
        sum[side].active += elu[side].active;
        sum[side].idle += elu[side].idle;
      }
      const all = process.cpuUsage(start.process);
      const main = process.threadCpuUsage(start.main);
      sum.serverCpuUs += all.user + all.system - main.user - main.system;
      sums.set(name, sum);
    },
    /** Percent of the time `side`'s event loop was busy while `name` ran. */
    share(name: string, side: Side): number {
      const { active, idle } = sums.get(name)![side];
      return Math.round((active / (active + idle)) * 100);
    },
    /** Server CPU time in µs while `name` ran. */
    serverCpuUs(name: string): number {
      return sums.get(name)!.serverCpuUs;
    },
  };
}

async function expect200(response: Promise<{ status: number; body: string }>): Promise<void> {
  const { status, body } = await response;
  if (status !== 200) throw new Error(`FHIR read answered ${status}: ${body.slice(0, 300)}`);
}

/** One GET of the Task over a keep-alive connection to 127.0.0.1:`port`. */
function get(agent: Agent, port: number, headers: OutgoingHttpHeaders): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: PATH, agent, headers: { accept: 'application/fhir+json', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
