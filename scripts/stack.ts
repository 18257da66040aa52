// Starts all five services in one Node process: the demo, the cross-service tests and the
// benchmarks all use this. Each service gets its own `*.localhost` host name (docs/architecture.md).
import type { FastifyInstance } from 'fastify';
import { EPOCH_KEY, MemoryStore, type KeyValueStore } from '@koppelmij/core';
import { installDemoTrace, installLocalhostResolver, loadDemoSwitches, reservePort, type DemoSwitches, type PortReservation } from '@koppelmij/service-kit';
import { buildDigidMock, digidMockConfigSchema } from '@koppelmij/digid-mock';
import { buildDvaAuth, loadDvaAuthConfig } from '@koppelmij/dva-auth';
import { buildDvaFhir, loadDvaFhirConfig } from '@koppelmij/dva-fhir';
import { buildModule, loadModuleConfig } from '@koppelmij/module';
import { buildPgo, loadPgoConfig } from '@koppelmij/pgo';

export const SERVICES = ['pgo', 'dvaAuth', 'dvaFhir', 'module', 'digid'] as const;
export type Service = (typeof SERVICES)[number];

/**
 * The tests and benchmarks send far more requests from one address than any person would: the
 * services' quotas (docs/decisions.md I58) are raised for them; a test of a quota sets its own
 * `RATE_LIMITS` in `env`.
 */
const QUOTA_NAMES = ['par', 'token', 'authorize', 'interaction', 'digid_callback', 'audit_unauthenticated', 'fhir', 'identity_check'];
export const UNLIMITED_RATE_LIMITS = JSON.stringify(Object.fromEntries(QUOTA_NAMES.map((name) => [name, { limit: 1_000_000_000 }])));

export const DEFAULT_PORTS: Record<Service, number> = { pgo: 4000, dvaAuth: 4100, dvaFhir: 4200, module: 4300, digid: 4400 };

export interface StackOptions {
  /** Port per service; 0 picks a free one (tests). Default: the demo's 4000–4400. */
  ports?: Partial<Record<Service, number>>;
  /** Extra environment for every service (switches). */
  env?: Record<string, string>;
  /** Extra environment for one service only, e.g. `{ pgo: { SIGNING_JWK: … } }`. */
  serviceEnv?: Partial<Record<Service, Record<string, string>>>;
  logLevel?: string;
  /** The DVA's shared store (dva-auth and dva-fhir); default a fresh MemoryStore. */
  dvaStore?: KeyValueStore;
  /** The PGO's store; default the PGO's own (tests inspect what the PGO kept). */
  pgoStore?: KeyValueStore;
}

export interface Stack {
  urls: { pgo: string; dvaAuth: string; dvaFhir: string; module: string; digid: string };
  apps: Record<Service, FastifyInstance>;
  dvaAuth: Awaited<ReturnType<typeof buildDvaAuth>>;
  dvaStore: KeyValueStore;
  close(): Promise<void>;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  installLocalhostResolver();
  const ports = { ...DEFAULT_PORTS, ...options.ports };
  const reserved: Partial<Record<Service, PortReservation>> = {};
  for (const s of SERVICES) {
    if (ports[s] !== 0) continue;
    reserved[s] = await reservePort();
    ports[s] = reserved[s].port;
  }
  const urls = {
    pgo: `http://pgo.localhost:${ports.pgo}`,
    dvaAuth: `http://dva.localhost:${ports.dvaAuth}`,
    dvaFhir: `http://fhir.localhost:${ports.dvaFhir}/fhir`,
    module: `http://module.localhost:${ports.module}`,
    digid: `http://digid.localhost:${ports.digid}`,
  };
  const env: Record<string, string> = {
    PGO_URL: urls.pgo,
    DVA_AUTH_URL: urls.dvaAuth,
    DVA_FHIR_URL: urls.dvaFhir,
    MODULE_URL: urls.module,
    DIGID_URL: urls.digid,
    LOG_LEVEL: options.logLevel ?? 'warn',
    RATE_LIMITS: UNLIMITED_RATE_LIMITS,
    DIGID_CLIENTS: JSON.stringify([
      { client_id: 'dva-auth', client_secret: 'demo-digid-secret-change-me', redirect_uris: [`${urls.dvaAuth}/digid/callback`] },
      { client_id: 'pgo-demo', client_secret: 'demo-pgo-digid-secret-change-me', redirect_uris: [`${urls.pgo}/login/callback`] },
    ]),
    ...options.env,
  };
  const dvaStore = options.dvaStore ?? new MemoryStore();
  // A fresh in-process stack is a new deployment, not a store that lost its data: its epoch is put
  // 5 minutes back, else a client that sends no `iat` (fhirclient's assertions live 120 s) would be
  // refused for its first minutes, as it rightly is after a real store reset (docs/decisions.md I77).
  if (!options.dvaStore) await dvaStore.set(EPOCH_KEY, Math.floor(Date.now() / 1000) - 300, 24 * 3600);
  const envOf = (s: Service) => ({ ...env, ...options.serviceEnv?.[s] });
  let built: Awaited<ReturnType<typeof buildServices>>;
  try {
    built = await buildServices(envOf, dvaStore, options.pgoStore, loadDemoSwitches({ ...process.env, ...env }));
  } catch (error) {
    await Promise.all(Object.values(reserved).map((r) => r.release()));
    throw error;
  }
  const { apps, dvaAuth } = built;
  // docs/decisions.md I139: the demo's trace recorder on every service; the PGO's "start module" begins a trace
  if (built.demo.trace) {
    const { dvaFhir, ...others } = urls;
    const partyUrls = { ...others, dvaFhir: new URL(dvaFhir).origin };
    for (const s of SERVICES) installDemoTrace(apps[s].server, { service: s, urls: partyUrls, ...(s === 'pgo' && { startsTrace: startsLaunch }) });
  }
  for (const s of SERVICES) {
    await reserved[s]?.release();
    await apps[s].listen({ port: ports[s], host: '127.0.0.1' });
  }
  return {
    urls,
    apps,
    dvaAuth,
    dvaStore,
    async close() {
      for (const s of SERVICES) await apps[s].close();
      if (!options.dvaStore) await dvaStore.close();
    },
  };
}

async function buildServices(envOf: (s: Service) => Record<string, string>, dvaStore: KeyValueStore, pgoStore: KeyValueStore | undefined, demo: DemoSwitches) {
  const digid = await buildDigidMock(digidMockConfigSchema.parse(envOf('digid')));
  const dvaAuth = await buildDvaAuth(loadDvaAuthConfig(envOf('dvaAuth')), { store: dvaStore });
  const dvaFhir = await buildDvaFhir(loadDvaFhirConfig(envOf('dvaFhir')), { store: dvaStore });
  const pgo = await buildPgo(loadPgoConfig(envOf('pgo')), { ...(pgoStore && { store: pgoStore }), demo });
  const module = await buildModule(loadModuleConfig(envOf('module')));
  const apps: Record<Service, FastifyInstance> = { pgo, dvaAuth, dvaFhir, module, digid };
  return { apps, dvaAuth, demo };
}

/** The PGO's "start module" (docs/protocol.md §3.1.1 W0): where a launch, and so its trace, begins. */
const startsLaunch = (method: string, path: string) => method === 'POST' && /^\/dossier\/[^/]+\/tasks\/[^/]+\/start$/.test(path);
