// The services as docker-compose.yml configures them, each its own process (same variables, the
// secrets of scripts/generate-secrets.ts, NODE_ENV=production), with 2 dva-auth and 2 dva-fhir
// behind round-robin balancers: a 3a launch works across instances, then Redis and one instance
// of each are restarted under traffic; nothing revoked comes back and the flow recovers.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reservePort } from '@koppelmij/service-kit';
import type { Stack } from '../../scripts/stack.ts';
import { Browser, hasTestId, textOf } from '../support/browser.ts';
import { collect, loginAtPgo, TOM } from '../support/flows.ts';
import { canStartRedisServer, startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { roundRobin, type Exchange } from '../support/round-robin.ts';
import { spawnService, waitFor200, within, type ServiceProcess } from '../support/service-process.ts';
import { createTestDatabase, type TestDatabase } from '../../services/dva-fhir/test/postgres.ts';
import pg from 'pg';

const ROOT = resolve(import.meta.dirname, '../..');
const SERVICES = ['digid-mock', 'dva-auth', 'dva-fhir', 'pgo', 'module'] as const;
type Name = (typeof SERVICES)[number];
const PORT_VARIABLE: Record<Name, string> = { 'digid-mock': 'DIGID_PORT', 'dva-auth': 'DVA_AUTH_PORT', 'dva-fhir': 'DVA_FHIR_PORT', pgo: 'PGO_PORT', module: 'MODULE_PORT' };
const COMPOSE_PORT: Record<Name, number> = { pgo: 4000, 'dva-auth': 4100, 'dva-fhir': 4200, module: 4300, 'digid-mock': 4400 };
const INSTANCES: Record<Name, number> = { 'digid-mock': 1, 'dva-auth': 2, 'dva-fhir': 2, pgo: 1, module: 1 };

/** The `environment` of a service in docker-compose.yml (its own lines and the shared `&env` block). */
function composeEnvironment(compose: string, service: Name): Record<string, string> {
  // the lines below `name:` (at `indent` spaces) up to the next key at that indent or less
  const block = (name: string, indent: number) => compose.split(new RegExp(`^ {${indent}}${name}:.*$`, 'm'))[1]!.split(new RegExp(`^ {0,${indent}}[a-z]`, 'm'))[0]!;
  const variables = (text: string, indent: number) =>
    Object.fromEntries([...text.matchAll(new RegExp(`^ {${indent}}([A-Z][A-Z0-9_]*): (.+)$`, 'gm'))].map((m) => [m[1]!, m[2]!.trim()]));
  return { ...variables(block('x-service', 0), 4), ...variables(block(service, 2), 6) };
}

let redis: RedisServer;
let secrets: string;
let database: TestDatabase | undefined;
const publicPort = {} as Record<Name, number>;
const instancePorts = {} as Record<Name, number[]>;
const processes = new Map<string, ServiceProcess>();
const balancers: Server[] = [];
const fhirExchanges: Exchange[] = [];
let urls: Stack['urls'];

function environment(compose: string, name: Name, port: number): Record<string, string> {
  const env = composeEnvironment(compose, name);
  expect(env).toMatchObject({ DVA_AUTH_URL: 'http://dva.localhost:4100', SERVICE: name, STORE: expect.stringMatching(/^redis:\/\/redis:6379\//) });
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (key === 'SERVICE') continue;
    out[key] = value
      .replace(/^\/run\/secrets\//, `${secrets}/`)
      .replace(/^redis:\/\/redis:6379\//, `redis://127.0.0.1:${redis.port}/`)
      .replace(/localhost:(4[0-4]00)/, (_, p: string) => `localhost:${publicPort[SERVICES.find((s) => COMPOSE_PORT[s] === Number(p))!]}`);
  }
  // on one host there are no network aliases: the services resolve *.localhost themselves (docs/decisions.md I82)
  return { ...out, HOST: '127.0.0.1', LOG_LEVEL: 'warn', NODE_ENV: 'production', RESOLVE_LOCALHOST: 'true', [PORT_VARIABLE[name]]: String(port) };
}

const compose = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
const start = (name: Name, i: number) => {
  const service = spawnService(name, environment(compose, name, instancePorts[name]![i]!));
  processes.set(`${name}#${i}`, service);
  return service;
};
const ready = (name: Name, i: number) => waitFor200(`http://127.0.0.1:${instancePorts[name]![i]!}/health/ready`, 45_000);
const allReady = () => Promise.all(SERVICES.flatMap((name) => instancePorts[name]!.map((_, i) => ready(name, i))));

const enabled = canStartRedisServer('topology');

beforeAll(async () => {
  if (!enabled) return;
  secrets = mkdtempSync(join(tmpdir(), 'koppelmij-secrets-'));
  execFileSync(process.execPath, [join(ROOT, 'scripts/generate-secrets.ts'), secrets], { stdio: 'ignore' });
  // compose's `postgres` service: here a database of its own on the local PostgreSQL, in the same secret file
  database = await createTestDatabase();
  writeFileSync(join(secrets, 'fhir-database-url'), `${database.url}\n`);
  redis = await startRedisServer({ aof: true }); // as compose runs it
  const reservations = [];
  for (const name of SERVICES) {
    const pub = await reservePort();
    reservations.push(pub);
    publicPort[name] = pub.port;
    if (INSTANCES[name] === 1) instancePorts[name] = [pub.port];
    else {
      const own = await Promise.all(Array.from({ length: INSTANCES[name] }, () => reservePort()));
      reservations.push(...own);
      instancePorts[name] = own.map((r) => r.port);
    }
  }
  await Promise.all(reservations.map((r) => r.release()));
  for (const name of SERVICES) {
    if (INSTANCES[name] > 1) balancers.push(await roundRobin(publicPort[name], instancePorts[name]!, name === 'dva-fhir' ? (e) => fhirExchanges.push(e) : undefined));
  }
  urls = {
    pgo: `http://pgo.localhost:${publicPort.pgo}`,
    dvaAuth: `http://dva.localhost:${publicPort['dva-auth']}`,
    dvaFhir: `http://fhir.localhost:${publicPort['dva-fhir']}/fhir`,
    module: `http://module.localhost:${publicPort.module}`,
    digid: `http://digid.localhost:${publicPort['digid-mock']}`,
  };
  for (const name of SERVICES) instancePorts[name]!.forEach((_, i) => start(name, i));
  await allReady();
}, 90_000);

afterAll(async () => {
  for (const service of processes.values()) service.child.kill('SIGKILL');
  await Promise.all(balancers.map((b) => new Promise((r) => b.close(r))));
  await redis?.stop();
  if (secrets) rmSync(secrets, { recursive: true, force: true });
  await database?.drop();
});

const stack = () => ({ urls }) as unknown as Stack;

/** Option 3a as a person: log in at the PGO, collect, start the module, submit, back at the PGO. */
async function launch3a(task: string): Promise<void> {
  const browser = new Browser();
  const tasks = await collect(stack(), browser, await loginAtPgo(stack(), browser, TOM), TOM);
  const w9 = await browser.submit(tasks, `start-module-${task}`, {}, { stopAt: (url) => url.origin === urls.module });
  let app = await browser.navigate(w9.url);
  if (hasTestId(app, 'consent-approve')) app = await browser.submit(app, 'consent-approve');
  expect(textOf(app, 'module-task-id')).toBe(task);
  const back = await browser.submit(app, 'module-submit', { systolic: '128', diastolic: '84', score: '4', remark: 'fine' }); // a measurement, or a questionnaire
  expect(new URL(back.url).origin).toBe(urls.pgo);
}

/** The stored status of each Task, read from the database itself (docs/deploy-fhir.md). */
async function taskStatuses(ids: string[]): Promise<Record<string, string>> {
  const client = new pg.Client({ connectionString: database!.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string; status: string }>("select id, content->>'status' as status from fhir_resource where type = 'Task' and id = any($1)", [ids]);
    return Object.fromEntries(rows.map((r) => [r.id, r.status]));
  } finally {
    await client.end();
  }
}

/** Sends a request dva-fhir's balancer saw again, to one instance. */
async function replay(exchange: Exchange, port: number): Promise<{ status: number; challenge: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${exchange.path}`, { method: exchange.method, headers: { authorization: String(exchange.headers.authorization), dpop: String(exchange.headers.dpop) } });
  return { status: response.status, challenge: response.headers.get('www-authenticate') ?? '' };
}

describe.runIf(enabled)('two instances of dva-auth and dva-fhir, configured as compose does', () => {
  let moduleRead: Exchange;

  it('run a 3a launch across instances; a read replayed at the other instance is refused', async () => {
    await launch3a('task-3a');
    // the module's DPoP-bound reads (the PGO's collect token is a Bearer token)
    const reads = fhirExchanges.filter((e) => e.method === 'GET' && e.status === 200 && e.headers.dpop !== undefined);
    expect(reads.length).toBeGreaterThan(0);
    moduleRead = reads[0]!;
    const other = instancePorts['dva-fhir']!.find((p) => p !== moduleRead.target)!;
    const replayed = await replay(moduleRead, other);
    expect(replayed.status).toBe(401);
    // the module revoked its token on the way back (docs/protocol.md §4.6): revocation is checked first
    expect(replayed.challenge).toContain('error="invalid_token"');
  });

  it('Redis and one instance of each restarted under traffic: revoked stays revoked, the flow recovers', async () => {
    let stop = false;
    const statuses: number[] = [];
    const traffic = (async () => {
      while (!stop) {
        for (const url of [`${urls.dvaAuth}/.well-known/openid-configuration`, `${urls.dvaFhir}/metadata`]) {
          statuses.push(await fetch(url.replace(/\/\/[a-z]+\.localhost/, '//127.0.0.1')).then((r) => r.status, () => 0));
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const began = Date.now();
    await redis.kill();
    const stopping = ['dva-auth#0', 'dva-fhir#0'].map((key) => {
      const service = processes.get(key)!;
      service.child.kill('SIGTERM');
      return within(service.exited, 12_000, `${key} exit`);
    });
    expect(await Promise.all(stopping)).toEqual([0, 0]);
    await redis.start();
    start('dva-auth', 0);
    start('dva-fhir', 0);
    await allReady();
    const recovered = Date.now() - began;
    stop = true;
    await traffic;
    expect(recovered).toBeLessThan(30_000);
    expect(statuses.filter((s) => s !== 200 && s !== 503 && s !== 502)).toEqual([]); // never a 500

    for (const port of instancePorts['dva-fhir']!) {
      const again = await replay(moduleRead, port);
      expect(again.status).toBe(401);
      expect(again.challenge).toContain('error="invalid_token"'); // the revocation marker survived (AOF)
    }
    await launch3a('task-3a-secret'); // task-3a is completed; a Task is launched once
    // no write is lost: both Tasks' completion, made through either dva-fhir instance, is in the shared database
    expect(await taskStatuses(['task-3a', 'task-3a-secret'])).toEqual({ 'task-3a': 'completed', 'task-3a-secret': 'completed' });
  }, 60_000);
});
