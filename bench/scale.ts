/**
 * Section `scale` (issue 11): how the DVA grows with instances. The compose topology runs as
 * separate processes sharing a Redis of their own (scale-topology.ts); the proxies in front of
 * dva-auth and dva-fhir send requests to 1, then 2 instances of each. Measured with each:
 * - complete 3a launches per second, by 6 virtual users at once (3 persons, 2 browsers each);
 * - DPoP-protected `GET Task` reads per second at dva-fhir, 16 in flight, a fresh proof each, with
 *   an access token the benchmark signs with the DVA's key (dva-fhir fetches the DVA's JWKS as in production).
 * Every process, the proxies and the load generator share this machine's cores: the figures show
 * how far a second instance helps on this machine, not what a second machine would add.
 */
import { createPrivateKey } from 'node:crypto';
import { Agent, request } from 'node:http';
import { createDpopProof, generateDpopKey, randomToken, signJwtAccessToken } from '@koppelmij/core';
import type { Stack } from '../scripts/stack.ts';
import { PEOPLE } from './launch-3a.ts';
import { timedLaunch, virtualUser, type VirtualUser } from './launches.ts';
import { startTopology, type Topology } from './scale-topology.ts';
import { batch, printTable, record, runConcurrent, type BenchOptions, type Row } from './util.ts';

const IN_FLIGHT = 16;

interface User extends VirtualUser {
  task: string;
}

/** Runs and prints the `scale` section. */
export async function benchScale(options: BenchOptions): Promise<void> {
  const seconds = options.quick ? 1 : 7;
  const started = performance.now();
  const topology = await startTopology(2);
  try {
    const startup = (performance.now() - started) / 1000;
    const users = await virtualUsers(topology);
    const rows: Row[] = [];
    for (const instances of [1, 2]) {
      topology.use(instances);
      const launches = await launchesPerSecond(users, seconds);
      const reads = await readsPerSecond(topology, seconds);
      record(`scale_launches_per_s_${instances}x`, launches);
      record(`scale_fhir_reads_per_s_${instances}x`, reads);
      rows.push({ 'dva-auth and dva-fhir instances': instances, 'complete 3a launches/s': launches, 'FHIR reads/s': reads });
    }
    printTable('scale · the compose topology as processes sharing Redis (each service its own `node`, LOG_LEVEL=info)', rows,
      `pgo, module, digid-mock: 1 process each; dva-auth and dva-fhir: 2 processes each behind a round-robin proxy that used 1, then 2;\n` +
      `the dva-auth instances share SIGNING_JWK, SIGNING_RSA_JWK, COOKIE_KEYS and DPOP_NONCE_SECRET; started in ${startup.toFixed(1)} s;\n` +
      `launches: ${users.length} virtual users at once for ${seconds} s; reads: ${IN_FLIGHT} in flight for ${seconds} s;\n` +
      `all processes, the proxies and the load generator share ${(await import('node:os')).cpus().length} cores`);
  } finally {
    await topology.close();
  }
}

/** Each person in two browsers: logged in at the PGO, collected, first launch done (consent given). */
async function virtualUsers(topology: Topology): Promise<User[]> {
  const stack = { urls: topology.urls } as Stack;
  const users: User[] = [];
  for (const person of PEOPLE) {
    for (let i = 0; i < 2; i++) {
      const user = await virtualUser(stack, person.bsn);
      await timedLaunch(user, person.task, true);
      users.push({ ...user, task: person.task });
    }
  }
  return users;
}

/** Complete launches per second by every user at once for `seconds`. */
async function launchesPerSecond(users: readonly User[], seconds: number): Promise<number> {
  for (const user of users) await timedLaunch(user, user.task); // warm the instances the proxy now uses
  let done = 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  await Promise.all(users.map(async (user) => {
    while (performance.now() < deadline) {
      await timedLaunch(user, user.task);
      done++;
    }
  }));
  return (done / (performance.now() - start)) * 1000;
}

/** DPoP-bound `GET Task/task-3a` reads per second through the proxy for `seconds` (proofs signed untimed, in rounds). */
async function readsPerSecond(topology: Topology, seconds: number): Promise<number> {
  const { urls } = topology;
  const key = await generateDpopKey('ES256');
  const now = Math.floor(Date.now() / 1000);
  // module-3a's token for Tom launched on task-3a (docs/architecture.md "Tokens the DVA issues")
  const accessToken = await signJwtAccessToken({
    iss: urls.dvaAuth, sub: 'pseudonym-of-tom', aud: urls.dvaFhir, client_id: 'module-3a', iat: now, exp: now + 900, jti: randomToken(),
    scope: 'launch openid fhirUser patient/*.read', patient: 'pat-van-duinen', grant_id: 'grant-scale-bench',
    fhirContext: [{ reference: 'Task/task-3a' }], cnf: { jkt: key.jkt },
  }, { privateKey: createPrivateKey({ key: topology.dvaSigningJwk, format: 'jwk' }), alg: 'ES256', kid: topology.dvaSigningJwk.kid });
  const target = new URL(`${urls.dvaFhir}/Task/task-3a`);
  const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  const get = (dpop: string) => new Promise<void>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: target.port, path: target.pathname, agent, headers: { authorization: `DPoP ${accessToken}`, dpop } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`FHIR read answered ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
  try {
    let done = 0;
    let ms = 0;
    for (let round = 0; ms < seconds * 1000; round++) {
      const proofs = await batch(round === 0 ? 200 : 2_000, () => createDpopProof({ key, htm: 'GET', htu: target.href, accessToken }));
      const wall = await runConcurrent(proofs.length, IN_FLIGHT, (i) => get(proofs[i]!));
      if (round === 0) continue; // warm-up: JWKS fetch, connections
      done += proofs.length;
      ms += wall;
    }
    return (done / ms) * 1000;
  } finally {
    agent.destroy();
  }
}
