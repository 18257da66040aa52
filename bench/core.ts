/**
 * Section `core` (issue 2): the protocol building blocks on their own, without HTTP.
 * - DPoP proof verification (RFC 9449 §4.3, all checks plus the §11.1 jti insert) next to a bare
 *   jose signature check of the same proofs;
 * - client assertion verification (RFC 7523, docs/security-checklists.md §3) next to bare jose;
 * - launch code issue + redeem (one set, one atomic take) on the memory store and on Redis.
 * Every DPoP proof and client assertion carries a fresh jti, so the inputs are signed untimed,
 * in rounds just before use, and only their verification is timed.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import {
  CLIENT_ASSERTION_TYPE, LaunchCodes, MemoryStore, RedisStore, createClientAssertion, createDpopProof, generateDpopKey,
  randomToken, verifyClientAssertion, verifyDpopProof, type KeyValueStore,
} from '@koppelmij/core';
import { batch, compareFresh, measureOps, printTable, record, type BenchOptions, type Row } from './util.ts';

const HTU = 'https://dva.example.nl/token';
const ISSUER = 'https://dva.example.nl';
const CLIENT_ID = 'module-3a';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/15';

/** The two jose exports the baselines use. */
interface BareJose {
  jwtVerify(jwt: string, key: unknown, options?: { typ?: string }): Promise<unknown>;
  EmbeddedJWK: unknown;
}

/**
 * jose is a dependency of @koppelmij/core, not of the root package that runs the benchmarks, so
 * the baselines load it the way core resolves it: the very copy core verifies with.
 */
async function coreJose(): Promise<BareJose> {
  const fromCore = createRequire(import.meta.resolve('@koppelmij/core')).resolve('jose');
  return (await import(pathToFileURL(fromCore).href)) as BareJose;
}

/**
 * Process CPU time per contender, summed over its timed runs: jose's WebCrypto work on the libuv
 * thread pool counts, and other processes on the machine do not (they do inflate wall time).
 */
function cpuPerContender() {
  const sums = new Map<string, number>();
  let start = process.cpuUsage();
  return {
    before: () => void (start = process.cpuUsage()),
    after: (name: string) => {
      const used = process.cpuUsage(start);
      sums.set(name, (sums.get(name) ?? 0) + used.user + used.system);
    },
    /** µs per operation of `name` over `n` operations. */
    us: (name: string, n: number) => (sums.get(name) ?? 0) / n,
  };
}

/** Runs and prints the `core` section. */
export async function benchCore(options: BenchOptions): Promise<void> {
  const n = options.quick ? 300 : 6_000;
  const warmup = options.quick ? 50 : 600;
  const jose = await coreJose();
  await dpop(jose, n, warmup);
  await clientAssertions(jose, n, warmup);
  await launchCodes(options.quick ? 300 : 5_000, options.quick ? 50 : 500);
}

async function dpop({ jwtVerify, EmbeddedJWK }: BareJose, n: number, warmup: number): Promise<void> {
  const key = await generateDpopKey('ES256');
  const store = new MemoryStore();
  const cpu = cpuPerContender();
  const { full, bare } = await compareFresh(n, (count) => batch(count, () => createDpopProof({ key, htm: 'POST', htu: HTU })), {
    full: (proof) => verifyDpopProof(proof, { htm: 'POST', htu: HTU, expectedJkt: key.jkt, store }),
    // the same proof again: signature and typ only, no claim checks, no thumbprint, no replay insert
    bare: (proof) => jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt' }),
  }, { warmup, around: cpu });
  await store.close();
  record('dpop_verify_vs_jose', full.ms / bare.ms);
  record('dpop_verify_vs_jose_cpu', cpu.us('full', n) / cpu.us('bare', n));
  printTable('core · DPoP proof verification (ES256, MemoryStore, sequential)', [
    { what: 'verifyDpopProof (all RFC 9449 §4.3 checks + jti)', 'ops/s': full.opsPerSecond, 'µs/op': (full.ms * 1000) / n, 'CPU µs/op': cpu.us('full', n) },
    { what: "jose jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt' })", 'ops/s': bare.opsPerSecond, 'µs/op': (bare.ms * 1000) / n, 'CPU µs/op': cpu.us('bare', n) },
  ], `ratio verifyDpopProof / bare jose: ${(full.ms / bare.ms).toFixed(2)}× the time per proof, ` +
    `${(cpu.us('full', n) / cpu.us('bare', n)).toFixed(2)}× the CPU time (the same ${n} proofs, alternating rounds)`);
}

async function clientAssertions({ jwtVerify }: BareJose, n: number, warmup: number): Promise<void> {
  const { privateKey, publicKey } = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const kid = 'bench-key';
  const client = { client_id: CLIENT_ID, jwks: { keys: [{ ...(await crypto.subtle.exportKey('jwk', publicKey)), kid, alg: 'ES256', use: 'sig' }] } };
  const store = new MemoryStore();
  const cpu = cpuPerContender();
  const make = (count: number) => batch(count, () => createClientAssertion({ clientId: CLIENT_ID, audience: ISSUER, privateKey, alg: 'ES256', kid }));
  const { full, bare } = await compareFresh(n, make, {
    full: (assertion) =>
      verifyClientAssertion(assertion, { client, formClientId: CLIENT_ID, clientAssertionType: CLIENT_ASSERTION_TYPE, audiences: [ISSUER], store }),
    bare: (assertion) => jwtVerify(assertion, publicKey),
  }, { warmup, around: cpu });
  await store.close();
  record('assertion_verify_vs_jose', full.ms / bare.ms);
  record('assertion_verify_vs_jose_cpu', cpu.us('full', n) / cpu.us('bare', n));
  printTable('core · client assertion verification (private_key_jwt, ES256, inline jwks, MemoryStore, sequential)', [
    { what: 'verifyClientAssertion (docs/security-checklists.md §3 + jti)', 'ops/s': full.opsPerSecond, 'µs/op': (full.ms * 1000) / n, 'CPU µs/op': cpu.us('full', n) },
    { what: 'jose jwtVerify(assertion, publicKey)', 'ops/s': bare.opsPerSecond, 'µs/op': (bare.ms * 1000) / n, 'CPU µs/op': cpu.us('bare', n) },
  ], `ratio verifyClientAssertion / bare jose: ${(full.ms / bare.ms).toFixed(2)}× the time per assertion, ` +
    `${(cpu.us('full', n) / cpu.us('bare', n)).toFixed(2)}× the CPU time (the same ${n} assertions, alternating rounds)`);
}

async function launchCodes(n: number, warmup: number): Promise<void> {
  const rows: Row[] = [];
  const cycle = (codes: LaunchCodes<{ patient: string }>) => async () => {
    const { code } = await codes.issue({ patient: 'pat-van-duinen' }, { client_id: CLIENT_ID });
    await codes.redeem(code, { client_id: CLIENT_ID });
  };
  const measure = async (label: string, store: KeyValueStore, inFlight: number) => {
    const run = cycle(new LaunchCodes<{ patient: string }>(store, { namespace: 'bench-launch' }));
    const r = await measureOps(n, run, { warmup, inFlight });
    rows.push({ store: label, 'in flight': inFlight, 'issue+redeem/s': r.opsPerSecond, 'µs/cycle': (r.ms * 1000 * inFlight) / n });
  };

  const memory = new MemoryStore();
  await measure('memory', memory, 1);
  await memory.close();

  let note = '1 cycle = issue (SET … PX) + redeem (one atomic GETDEL); µs/cycle = latency of one cycle';
  const redis = await connectRedis();
  if (redis) {
    await measure('redis', redis, 1);
    await measure('redis', redis, 16);
    await redis.close();
    note += `\nredis: ${REDIS_URL.replace(/\/\/[^@/]*@/, '//…@')}, on this machine (loopback)`;
  } else {
    note += `\nredis: skipped: no Redis at ${REDIS_URL.replace(/\/\/[^@/]*@/, '//…@')}`;
  }
  printTable('core · launch codes (LaunchCodes issue + redeem)', rows, note);
}

/** A RedisStore with a unique prefix, or undefined when no Redis answers within a second. */
async function connectRedis(): Promise<RedisStore | undefined> {
  const store = new RedisStore({
    url: REDIS_URL,
    prefix: `koppelmij-bench:${randomToken().slice(0, 12)}:`,
    redisOptions: { connectTimeout: 1_000, maxRetriesPerRequest: 0, retryStrategy: () => null },
  });
  try {
    await Promise.race([store.redis.ping(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 1_500).unref())]);
    return store;
  } catch {
    await store.close();
    return undefined;
  }
}
