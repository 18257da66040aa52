/**
 * Section `3a` (issue 3): complete option 3a-W launches (docs/protocol.md §3.1.1 W0–W18) through the whole
 * stack in one process, scripted, no browser engine, in-memory stores. One launch is timed from
 * submitting "start module" on the PGO dossier page until the module's app page has arrived,
 * which includes its W18 FHIR reads (Patient and Task). Next to it the crypto floor: what the
 * ES256 signatures and verifications of one launch alone cost on this machine.
 */
import nodeCrypto, { generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';
import diagnostics_channel from 'node:diagnostics_channel';
import { syncBuiltinESMExports } from 'node:module';
import type { Stack } from '../scripts/stack.ts';
import { assertModulePage, launchLoad, measureLaunches, timedLaunch, virtualUser, warmUp, withStack, type VirtualUser } from './launches.ts';
import { measureOps, printTable, record, sum, type BenchOptions } from './util.ts';

/** The persons with a PGO account and a module-3a Task (deploy/demo): one virtual user each. */
export const PEOPLE = [
  { bsn: '999990020', task: 'task-3a' }, // Tom van Duinen
  { bsn: '999990032', task: 'task-de-groot' }, // Koos de Groot
  { bsn: '999990044', task: 'task-van-dijk' }, // Sanne van Dijk
] as const;

/**
 * The ES256 operations of one steady-state launch of module-3a (private_key_jwt, consent
 * "first-time" already given, the DVA's DPoP nonce already known to the module, the Task already
 * in-progress so W18 sends no PATCH), read from the code. `verify` counts what each verifier
 * does now; `before` what it did before issue 11, when every step verified what it received
 * (docs/decisions.md I116: a JWT verified once is not verified again by the same server until its exp):
 * - pgo: dva-client.ts signs a client assertion per PAR and per token exchange;
 * - dva-auth: the subject_token (the PGO's collect token) was verified at /par, at /authorize, in
 *   the interaction and at the token exchange; now once per process for its whole life;
 *   fhir-access.ts reads Task, ActivityDefinition, Endpoint with a system token it re-signs only
 *   every ~50 s; oidc-provider verifies each client assertion and the token request's DPoP proof,
 *   and signs the JWT access token and the id_token;
 * - dva-fhir: the access token once per token (was: on every request), the DPoP proof on every request;
 * - module: smart-client.ts signs a client assertion and a DPoP proof for /token, id-token.ts
 *   verifies the id_token, fhir-client.ts signs a DPoP proof per FHIR call.
 * The runtime count below checks this table against the signatures one launch really makes and checks.
 */
const CRYPTO_PER_LAUNCH: ReadonlyArray<{ step: string; artefact: string; signer: string; sign: number; verifier: string; verify: number; before: number }> = [
  { step: 'W0 Task → AD → Endpoint', artefact: 'collect token (Bearer)', signer: '', sign: 0, verifier: 'dva-fhir (cached)', verify: 0, before: 3 },
  { step: 'W1 POST /par', artefact: 'PGO client assertion', signer: 'PGO', sign: 1, verifier: 'DVA', verify: 1, before: 1 },
  { step: 'W1 POST /par', artefact: 'subject_token', signer: '', sign: 0, verifier: 'DVA (cached)', verify: 0, before: 1 },
  { step: 'W4 /authorize (request_uri)', artefact: 'subject_token', signer: '', sign: 0, verifier: 'DVA (cached)', verify: 0, before: 1 },
  { step: 'W4 interaction', artefact: 'subject_token', signer: '', sign: 0, verifier: 'DVA (cached)', verify: 0, before: 1 },
  { step: 'W7 token exchange', artefact: 'PGO client assertion', signer: 'PGO', sign: 1, verifier: 'DVA', verify: 1, before: 1 },
  { step: 'W7 token exchange', artefact: 'subject_token', signer: '', sign: 0, verifier: 'DVA (cached)', verify: 0, before: 1 },
  { step: 'W7 resource check (docs/protocol.md §8 item 8)', artefact: 'DVA system token (cached)', signer: 'DVA ≤1/50 s', sign: 0, verifier: 'dva-fhir (cached)', verify: 0, before: 3 },
  { step: 'W16 POST /token', artefact: 'module client assertion', signer: 'module', sign: 1, verifier: 'DVA', verify: 1, before: 1 },
  { step: 'W16 POST /token', artefact: 'DPoP proof', signer: 'module', sign: 1, verifier: 'DVA', verify: 1, before: 1 },
  { step: 'W17 token response', artefact: 'JWT access token', signer: 'DVA', sign: 1, verifier: '', verify: 0, before: 0 },
  { step: 'W17 token response', artefact: 'id_token', signer: 'DVA', sign: 1, verifier: 'module', verify: 1, before: 1 },
  { step: 'W18 GET Patient, Task', artefact: 'access token', signer: '', sign: 0, verifier: 'dva-fhir ×1', verify: 1, before: 2 },
  { step: 'W18 GET Patient, Task', artefact: 'DPoP proofs', signer: 'module ×2', sign: 2, verifier: 'dva-fhir ×2', verify: 2, before: 2 },
];

interface Person extends VirtualUser {
  task: string;
}

/** Runs and prints the `3a` section. */
export async function benchLaunch3a(options: BenchOptions): Promise<void> {
  const load = launchLoad(options, { sequential: 200, perUser: 100 });
  await withStack(async (stack) => {
    const users: Person[] = [];
    for (const person of PEOPLE) users.push(await firstLaunch(stack, person.bsn, person.task));
    await warmUp(users, launch, load);
    const counted = await countOneLaunch(users[0]!);
    const { rows, p50, cpuMs } = await measureLaunches(users, launch, load);
    record('launch3a_per_s_1vu', rows[0]!['launches/s'] as number);
    record('launch3a_per_s_3vu', rows[1]!['launches/s'] as number);
    printTable('3a · complete 3a-W launches, W0–W18 (module-3a, in-process stack, MemoryStore)', rows,
      `one launch = submit "start module" at the PGO → … → module app page incl. its W18 FHIR reads: ${counted.hops} requests\n` +
      `by the browser, ${counted.requests} HTTP requests in all; the browser and all five services share this one Node process`);
    await floor(options, p50, cpuMs, counted);
  });
}

/** Logs in at the PGO, collects, and does the first launch, which gives the first-time consent. */
async function firstLaunch(stack: Stack, bsn: string, task: string): Promise<Person> {
  const user = await virtualUser(stack, bsn);
  const consent = await user.browser.submit(user.dossier, `start-module-${task}`);
  assertModulePage(await user.browser.submit(consent, 'consent-approve'), task);
  return { ...user, task };
}

/** One launch; returns its latency in ms. */
async function launch(user: Person): Promise<number> {
  return (await timedLaunch(user, user.task)).ms;
}

type Subtle = typeof globalThis.crypto.subtle;

interface LaunchCount {
  /** Asymmetric signatures made and checked, on WebCrypto (jose, oidc-provider) and node:crypto (core). */
  sign: number;
  verify: number;
  /** Signatures checked more than once in this launch: the same artefact verified twice. */
  verifiedTwice: number;
  /** HTTP requests the servers received, and those of them the browser sent. */
  requests: number;
  hops: number;
}

/** One launch of `user`, counting its signatures, signature checks and HTTP requests. */
async function countOneLaunch(user: Person): Promise<LaunchCount> {
  const subtle = globalThis.crypto.subtle;
  const counted = { sign: 0, verify: 0, verifiedTwice: 0, requests: 0, hops: 0 };
  const checked = new Map<string, number>();
  const check = (signature: unknown) => {
    counted.verify++;
    const view = signature as ArrayBuffer | ArrayBufferView;
    const id = Buffer.from(view instanceof ArrayBuffer ? new Uint8Array(view) : new Uint8Array(view.buffer, view.byteOffset, view.byteLength)).toString('base64');
    checked.set(id, (checked.get(id) ?? 0) + 1);
  };
  const onRequest = () => counted.requests++;
  diagnostics_channel.subscribe('http.server.request.start', onRequest);
  const asymmetric = (alg: Parameters<Subtle['sign']>[0]) => (typeof alg === 'string' ? alg : alg.name) !== 'HMAC';
  const { sign: originalSign, verify: originalVerify } = subtle;
  subtle.sign = ((alg, ...rest) => {
    if (asymmetric(alg)) counted.sign++;
    return originalSign.call(subtle, alg, ...rest);
  }) as typeof subtle.sign;
  subtle.verify = ((alg, key, signature, data) => {
    if (asymmetric(alg)) check(signature);
    return originalVerify.call(subtle, alg, key, signature, data);
  }) as typeof subtle.verify;
  // core signs and verifies with node:crypto (docs/decisions.md I115); its named imports follow the builtin's exports
  const { sign: nodeSign, verify: nodeVerify } = nodeCrypto;
  nodeCrypto.sign = ((...args: Parameters<typeof nodeSign>) => {
    counted.sign++;
    return nodeSign(...args);
  }) as typeof nodeSign;
  nodeCrypto.verify = ((...args: Parameters<typeof nodeVerify>) => {
    check(args[3]);
    return nodeVerify(...args);
  }) as typeof nodeVerify;
  syncBuiltinESMExports();
  try {
    counted.hops = (await timedLaunch(user, user.task)).page.hops.length;
  } finally {
    // the own properties go; the prototype's methods are back
    delete (subtle as Partial<Subtle>).sign;
    delete (subtle as Partial<Subtle>).verify;
    nodeCrypto.sign = nodeSign;
    nodeCrypto.verify = nodeVerify;
    syncBuiltinESMExports();
    diagnostics_channel.unsubscribe('http.server.request.start', onRequest);
  }
  counted.verifiedTwice = [...checked.values()].filter((n) => n > 1).length;
  return counted;
}

/** Prints the count table, one ES256 sign and verify on node:crypto, the floor and the ratios. */
async function floor(options: BenchOptions, launchP50: number, launchCpuMs: number, counted: LaunchCount): Promise<void> {
  const signs = sum(CRYPTO_PER_LAUNCH.map((r) => r.sign));
  const verifies = sum(CRYPTO_PER_LAUNCH.map((r) => r.verify));
  const before = sum(CRYPTO_PER_LAUNCH.map((r) => r.before));
  printTable('3a · ES256 operations per launch (read from the code)', [
    ...CRYPTO_PER_LAUNCH.map((r) => ({ ...r, sign: r.sign || '', verify: r.verify || '', before: r.before || '' })),
    { step: 'total', artefact: '', signer: '', sign: signs, verifier: '', verify: verifies, before },
  ], `counted at runtime in one launch (asymmetric signatures on WebCrypto and node:crypto): ${counted.sign} sign, ${counted.verify} verify` +
    (counted.sign === signs && counted.verify === verifies ? ' = the table' : '  ≠ the table: the table is stale, or the system token was re-signed') +
    `\nartefacts verified more than once in this launch: ${counted.verifiedTwice}`);

  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const input = randomBytes(600); // about a JWS signing input: base64url header + claims
  const signature = sign('sha256', input, privateKey); // DER: node's cheapest form (core verifies in it too)
  const n = options.quick ? 300 : 3_000;
  const warmup = options.quick ? 50 : 300;
  const cpuOf = async (op: () => unknown) => {
    const before = process.threadCpuUsage();
    const timing = await measureOps(n, op, { warmup });
    const used = process.threadCpuUsage(before);
    return { timing, cpuUs: (used.user + used.system) / (n + warmup) };
  };
  const signCost = await cpuOf(() => sign('sha256', input, privateKey));
  const verifyCost = await cpuOf(() => verify('sha256', input, publicKey, signature));
  const signUs = (signCost.timing.ms * 1000) / n;
  const verifyUs = (verifyCost.timing.ms * 1000) / n;
  // the floor of issue 11: every step verifying what it receives (the "before" column); and the crypto the launch does now
  const floorUs = signs * signUs + before * verifyUs;
  const nowUs = signs * signUs + verifies * verifyUs;
  const floorCpuUs = signs * signCost.cpuUs + before * verifyCost.cpuUs;
  record('launch3a_p50_ms', launchP50);
  record('launch3a_cpu_ms', launchCpuMs);
  record('launch3a_cpu_over_floor', (launchCpuMs * 1000) / floorCpuUs);
  record('launch3a_p50_over_floor', (launchP50 * 1000) / floorUs);
  record('launch3a_p50_over_floor_now', (launchP50 * 1000) / nowUs);
  record('launch3a_verifies', counted.verify);
  record('launch3a_artefacts_verified_twice', counted.verifiedTwice);
  printTable('3a · crypto floor (node:crypto, sync, ES256, DER signatures on a bare KeyObject)', [
    { operation: 'ES256 sign', 'µs/op': signUs, 'CPU µs/op': signCost.cpuUs, 'ops/s': signCost.timing.opsPerSecond, 'per launch': signs, 'µs/launch': signs * signUs },
    { operation: 'ES256 verify (each step its own)', 'µs/op': verifyUs, 'CPU µs/op': verifyCost.cpuUs, 'ops/s': verifyCost.timing.opsPerSecond, 'per launch': before, 'µs/launch': before * verifyUs },
    { operation: 'ES256 verify (now)', 'µs/op': verifyUs, 'CPU µs/op': verifyCost.cpuUs, 'ops/s': verifyCost.timing.opsPerSecond, 'per launch': verifies, 'µs/launch': verifies * verifyUs },
  ], 'the bare synchronous cost of the launch\'s signatures\n' +
    `floor = ${signs} × sign + ${before} × verify = ${(floorUs / 1000).toFixed(2)} ms per launch; ` +
    `what it does now: ${signs} × sign + ${verifies} × verify = ${(nowUs / 1000).toFixed(2)} ms\n` +
    `launch p50 (1 virtual user) / floor = ${launchP50.toFixed(1)} ms / ${(floorUs / 1000).toFixed(2)} ms = ${((launchP50 * 1000) / floorUs).toFixed(1)}×` +
    ` (/ its own crypto: ${((launchP50 * 1000) / nowUs).toFixed(1)}×)\n` +
    `in CPU time: ${launchCpuMs.toFixed(1)} ms per launch (1 virtual user, whole process) / ${(floorCpuUs / 1000).toFixed(2)} ms = ${((launchCpuMs * 1000) / floorCpuUs).toFixed(1)}×`);
}
