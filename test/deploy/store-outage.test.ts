// Fail closed, fast, visibly (docs/decisions.md I75, I76): with the store killed or frozen, every
// service answers 503 within about 2 s, its readiness says so, and it recovers without a restart.
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signJwtAccessToken } from '@koppelmij/core/access-token';
import { randomToken } from '@koppelmij/core';
import { loadSigningKey } from '@koppelmij/service-kit';
import { buildDigidMock, digidMockConfigSchema } from '@koppelmij/digid-mock';
import { buildDvaAuth, loadDvaAuthConfig } from '@koppelmij/dva-auth';
import { buildDvaFhir, loadDvaFhirConfig } from '@koppelmij/dva-fhir';
import { buildModule, loadModuleConfig } from '@koppelmij/module';
import { buildPgo, loadPgoConfig } from '@koppelmij/pgo';
import { canStartRedisServer, startRedisServer, type RedisServer } from '../support/redis-server.ts';

let redis: RedisServer;
const apps: Record<string, FastifyInstance> = {};
let fhirToken: string;

/** One request that needs the store, per service. */
const probes: Record<string, () => InjectOptions> = {
  'dva-auth (oidc-provider)': () => ({ method: 'GET', url: '/authorize?client_id=pgo-demo&request_uri=urn:ietf:params:oauth:request_uri:abc', headers: { accept: 'application/json' } }),
  'dva-auth (page)': () => ({ method: 'GET', url: '/digid/callback?state=some-state&code=some-code' }),
  'dva-fhir': () => ({ method: 'GET', url: '/fhir/Patient', headers: { authorization: `Bearer ${fhirToken}` } }),
  pgo: () => ({ method: 'GET', url: '/login' }),
};
const appOf = (probe: string) => apps[probe.split(' ')[0]!]!;

const enabled = canStartRedisServer('store-outage');

beforeAll(async () => {
  if (!enabled) return;
  redis = await startRedisServer();
  const env = { STORE: redis.url, LOG_LEVEL: 'silent' };
  const { privateKey, publicKey } = await loadSigningKey();
  apps['dva-auth'] = await buildDvaAuth(loadDvaAuthConfig(env));
  apps['dva-fhir'] = await buildDvaFhir(loadDvaFhirConfig(env), { accessTokenKey: publicKey });
  apps.pgo = await buildPgo(loadPgoConfig(env));
  apps.module = await buildModule(loadModuleConfig(env));
  apps['digid-mock'] = await buildDigidMock(digidMockConfigSchema.parse(env));
  const now = Math.floor(Date.now() / 1000);
  fhirToken = await signJwtAccessToken(
    { iss: 'http://dva.localhost:4100', sub: 's', aud: 'http://fhir.localhost:4200/fhir', client_id: 'pgo-demo', scope: 'patient/Patient.read', patient: 'pat-van-duinen', grant_id: 'g', iat: now, exp: now + 600, jti: randomToken() },
    { privateKey, alg: 'ES256', kid: 'k' },
  );
});

afterAll(async () => {
  await Promise.all(Object.values(apps).map((app) => app.close()));
  await redis?.stop();
});

async function timed(app: FastifyInstance, request: InjectOptions) {
  const started = Date.now();
  const response = await app.inject(request);
  return { response, ms: Date.now() - started };
}

async function expectUnavailable(): Promise<void> {
  for (const [name, app] of Object.entries(apps)) {
    const { response, ms } = await timed(app, { method: 'GET', url: '/health/ready' });
    expect({ name, status: response.statusCode, store: response.json().checks.store }).toEqual({ name, status: 503, store: 'unavailable' });
    expect(ms).toBeLessThan(2500); // the 1 s command timeout, on a loaded CI machine
    expect((await app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
  }
  for (const [name, probe] of Object.entries(probes)) {
    const { response, ms } = await timed(appOf(name), probe());
    expect({ name, status: response.statusCode }).toEqual({ name, status: 503 });
    expect(response.headers['retry-after']).toBe('2');
    expect(ms).toBeLessThan(2500); // the 1 s command timeout, on a loaded CI machine
  }
  // a JSON endpoint of oidc-provider: RFC 6749 §4.1.2.1's error code
  const basic = Buffer.from('module-3a-secret:demo-secret-module-3a-change-me-in-a-real-deployment').toString('base64');
  const token = await apps['dva-auth']!.inject({ method: 'POST', url: '/token', headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'grant_type=authorization_code&code=some-code&redirect_uri=http://module.localhost:4300/m/module-3a-secret/callback&code_verifier=' + 'a'.repeat(43) });
  expect({ status: token.statusCode, body: token.json() }).toMatchObject({ status: 503, body: { error: 'temporarily_unavailable' } });
}

async function expectRecovered(): Promise<void> {
  const deadline = Date.now() + 8000;
  for (const [name, app] of Object.entries(apps)) {
    let status = 0;
    while ((status = (await app.inject({ method: 'GET', url: '/health/ready' })).statusCode) !== 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect({ name, status }).toEqual({ name, status: 200 });
  }
  for (const [name, probe] of Object.entries(probes)) {
    expect({ name, status: (await appOf(name).inject(probe())).statusCode }).not.toEqual({ name, status: 503 });
  }
}

describe.runIf(enabled)('a service whose store is away', () => {
  it('is ready while its store answers', async () => {
    await expectRecovered();
  });

  it('answers 503 within 2 s when Redis is killed, and recovers when it is back', async () => {
    await redis.kill();
    await expectUnavailable();
    await redis.start();
    await expectRecovered();
  });

  it('answers 503 within 2 s when Redis is frozen (SIGSTOP), and recovers on SIGCONT', async () => {
    redis.freeze();
    try {
      await expectUnavailable();
    } finally {
      redis.thaw();
    }
    await expectRecovered();
  });
});
