/**
 * Section `3a` (issue 3): complete option 3a-W launches (spec §3.1.1 W0–W18) through the whole
 * stack in one process, scripted, no browser engine, in-memory stores. One launch is timed from
 * submitting "start module" on the PGO dossier page until the module's app page has arrived,
 * which includes its W18 FHIR reads (Patient and Task). Next to it the crypto floor: what the
 * ES256 signatures and verifications of one launch alone cost on this machine.
 */
import { generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';
import diagnostics_channel from 'node:diagnostics_channel';
import type { Stack } from '../scripts/stack.ts';
import { assertModulePage, launchLoad, measureLaunches, timedLaunch, virtualUser, warmUp, withStack, type VirtualUser } from './launches.ts';
import { measureOps, printTable, sum, type BenchOptions } from './util.ts';

/** The persons with a PGO account and a module-3a Task (deploy/demo): one virtual user each. */
const PEOPLE = [
  { bsn: '999990020', task: 'task-3a' }, // Tom van Duinen
  { bsn: '999990032', task: 'task-de-groot' }, // Koos de Groot
  { bsn: '999990044', task: 'task-van-dijk' }, // Sanne van Dijk
] as const;

/**
 * The ES256 operations of one steady-state launch of module-3a (private_key_jwt, consent
 * "first-time" already given, the DVA's DPoP nonce already known to the module, the Task already
 * in-progress so W18 sends no PATCH), read from the code:
 * - pgo: dva-client.ts signs a client assertion per PAR and per token exchange;
 * - dva-auth: params.ts validates subject_token at /par and again when /authorize loads the
 *   pushed request, interactions.ts (launchPreparation) and token-exchange.ts verify it too;
 *   fhir-access.ts reads Task, ActivityDefinition, Endpoint with a system token it re-signs only
 *   every ~50 s; oidc-provider verifies each client assertion and the token request's DPoP proof,
 *   and signs the JWT access token and the id_token;
 * - dva-fhir: auth.ts verifies the access token on every request, and the DPoP proof when bound;
 * - module: smart-client.ts signs a client assertion and a DPoP proof for /token, id-token.ts
 *   verifies the id_token, fhir-client.ts signs a DPoP proof per FHIR call.
 * The runtime count below checks this table against the ECDSA calls one launch really makes.
 */
const CRYPTO_PER_LAUNCH: ReadonlyArray<{ step: string; artefact: string; signer: string; sign: number; verifier: string; verify: number }> = [
  { step: 'W0 Task → AD → Endpoint', artefact: 'collect token (Bearer)', signer: '', sign: 0, verifier: 'dva-fhir ×3', verify: 3 },
  { step: 'W1 POST /par', artefact: 'PGO client assertion', signer: 'PGO', sign: 1, verifier: 'DVA', verify: 1 },
  { step: 'W1 POST /par', artefact: 'subject_token', signer: '', sign: 0, verifier: 'DVA', verify: 1 },
  { step: 'W4 /authorize (request_uri)', artefact: 'subject_token', signer: '', sign: 0, verifier: 'DVA', verify: 1 },
  { step: 'W4 interaction', artefact: 'subject_token', signer: '', sign: 0, verifier: 'DVA', verify: 1 },
  { step: 'W7 token exchange', artefact: 'PGO client assertion', signer: 'PGO', sign: 1, verifier: 'DVA', verify: 1 },
  { step: 'W7 token exchange', artefact: 'subject_token', signer: '', sign: 0, verifier: 'DVA', verify: 1 },
  { step: 'W7 resource check (§8 item 8)', artefact: 'DVA system token (cached)', signer: 'DVA ≤1/50 s', sign: 0, verifier: 'dva-fhir ×3', verify: 3 },
  { step: 'W16 POST /token', artefact: 'module client assertion', signer: 'module', sign: 1, verifier: 'DVA', verify: 1 },
  { step: 'W16 POST /token', artefact: 'DPoP proof', signer: 'module', sign: 1, verifier: 'DVA', verify: 1 },
  { step: 'W17 token response', artefact: 'JWT access token', signer: 'DVA', sign: 1, verifier: '', verify: 0 },
  { step: 'W17 token response', artefact: 'id_token', signer: 'DVA', sign: 1, verifier: 'module', verify: 1 },
  { step: 'W18 GET Patient, Task', artefact: 'access token', signer: '', sign: 0, verifier: 'dva-fhir ×2', verify: 2 },
  { step: 'W18 GET Patient, Task', artefact: 'DPoP proofs', signer: 'module ×2', sign: 2, verifier: 'dva-fhir ×2', verify: 2 },
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
    const { rows, p50 } = await measureLaunches(users, launch, load);
    printTable('3a · complete 3a-W launches, W0–W18 (module-3a, in-process stack, MemoryStore)', rows,
      `one launch = submit "start module" at the PGO → … → module app page incl. its W18 FHIR reads: ${counted.hops} requests\n` +
      `by the browser, ${counted.requests} HTTP requests in all; the browser and all five services share this one Node process`);
    await floor(options, p50, counted);
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
  /** ECDSA calls on WebCrypto, which jose and oidc-provider use. */
  sign: number;
  verify: number;
  /** HTTP requests the servers received, and those of them the browser sent. */
  requests: number;
  hops: number;
}

/** One launch of `user`, counting its ECDSA operations and HTTP requests. */
async function countOneLaunch(user: Person): Promise<LaunchCount> {
  const subtle = globalThis.crypto.subtle;
  const counted = { sign: 0, verify: 0, requests: 0, hops: 0 };
  const onRequest = () => counted.requests++;
  diagnostics_channel.subscribe('http.server.request.start', onRequest);
  const isEcdsa = (alg: Parameters<Subtle['sign']>[0]) => (typeof alg === 'string' ? alg : alg.name) === 'ECDSA';
  const { sign: originalSign, verify: originalVerify } = subtle;
  subtle.sign = ((alg, ...rest) => {
    if (isEcdsa(alg)) counted.sign++;
    return originalSign.call(subtle, alg, ...rest);
  }) as typeof subtle.sign;
  subtle.verify = ((alg, ...rest) => {
    if (isEcdsa(alg)) counted.verify++;
    return originalVerify.call(subtle, alg, ...rest);
  }) as typeof subtle.verify;
  try {
    counted.hops = (await timedLaunch(user, user.task)).page.hops.length;
  } finally {
    // the own properties go; the prototype's methods are back
    delete (subtle as Partial<Subtle>).sign;
    delete (subtle as Partial<Subtle>).verify;
    diagnostics_channel.unsubscribe('http.server.request.start', onRequest);
  }
  return counted;
}

/** Prints the count table, one ES256 sign and verify on node:crypto, the floor and the ratio. */
async function floor(options: BenchOptions, launchP50: number, counted: LaunchCount): Promise<void> {
  const signs = sum(CRYPTO_PER_LAUNCH.map((r) => r.sign));
  const verifies = sum(CRYPTO_PER_LAUNCH.map((r) => r.verify));
  printTable('3a · ES256 operations per launch (read from the code)', [
    ...CRYPTO_PER_LAUNCH.map((r) => ({ ...r, sign: r.sign || '', verify: r.verify || '' })),
    { step: 'total', artefact: '', signer: '', sign: signs, verifier: '', verify: verifies },
  ], `counted at runtime in one launch (ECDSA calls on WebCrypto): ${counted.sign} sign, ${counted.verify} verify` +
    (counted.sign === signs && counted.verify === verifies ? ' = the table' : '  ≠ the table: the table is stale, or the system token was re-signed'));

  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const input = randomBytes(600); // about a JWS signing input: base64url header + claims
  const signature = sign('sha256', input, { key: privateKey, dsaEncoding: 'ieee-p1363' });
  const n = options.quick ? 300 : 5_000;
  const warmup = options.quick ? 50 : 500;
  const signCost = await measureOps(n, () => sign('sha256', input, { key: privateKey, dsaEncoding: 'ieee-p1363' }), { warmup });
  const verifyCost = await measureOps(n, () => verify('sha256', input, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature), { warmup });
  const signUs = (signCost.ms * 1000) / n;
  const verifyUs = (verifyCost.ms * 1000) / n;
  const floorUs = signs * signUs + verifies * verifyUs;
  printTable('3a · crypto floor (node:crypto, sync, ES256, dsaEncoding ieee-p1363)', [
    { operation: 'ES256 sign', 'µs/op': signUs, 'ops/s': signCost.opsPerSecond, 'per launch': signs, 'µs/launch': signs * signUs },
    { operation: 'ES256 verify', 'µs/op': verifyUs, 'ops/s': verifyCost.opsPerSecond, 'per launch': verifies, 'µs/launch': verifies * verifyUs },
  ], 'the services sign and verify through jose on WebCrypto (async); this is the bare synchronous cost\n' +
    `floor = ${signs} × sign + ${verifies} × verify = ${(floorUs / 1000).toFixed(2)} ms per launch\n` +
    `launch p50 (1 virtual user) / floor = ${launchP50.toFixed(1)} ms / ${(floorUs / 1000).toFixed(2)} ms = ${((launchP50 * 1000) / floorUs).toFixed(1)}×`);
}
