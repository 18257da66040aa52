// Restart forgets (docs/decisions.md I77): after Redis lost its state, a DPoP proof made before
// cannot be proven unused and is refused; with AOF (as docker-compose.yml runs Redis) revocations
// and the replay cache survive a restart.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signJwtAccessToken } from '@koppelmij/core/access-token';
import { createDpopProof, generateDpopKey, jwkThumbprint, type DpopKey } from '@koppelmij/core/dpop';
import { CLIENT_ASSERTION_TYPE, createClientAssertion, EPOCH_KEY, MemoryStore, randomToken, RedisStore, revokedGrantKey } from '@koppelmij/core';
import { buildDvaAuth, dvaAuthConfig } from '@koppelmij/dva-auth';
import { loadSigningKey, type SigningKey } from '@koppelmij/service-kit';
import { buildDvaFhir, loadDvaFhirConfig } from '@koppelmij/dva-fhir';
import { startProtocolStack } from '../support/protocol.ts';
import { canStartRedisServer, startRedisServer, type RedisServer } from '../support/redis-server.ts';

const FHIR = 'http://fhir.localhost:4200/fhir';
const PATIENT = `${FHIR}/Patient/pat-van-duinen`;
let signing: SigningKey;
let dpopKey: DpopKey;

beforeAll(async () => {
  signing = await loadSigningKey();
  dpopKey = await generateDpopKey();
});

async function token(grantId: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return signJwtAccessToken(
    { iss: 'http://dva.localhost:4100', sub: 's', aud: FHIR, client_id: 'pgo-demo', scope: 'patient/Patient.read', patient: 'pat-van-duinen', grant_id: grantId, iat: now, exp: now + 600, jti: randomToken(), cnf: { jkt: await jwkThumbprint(dpopKey.publicJwk) } },
    { privateKey: signing.privateKey, alg: 'ES256', kid: signing.kid },
  );
}

const proof = (accessToken: string) => createDpopProof({ key: dpopKey, htm: 'GET', htu: PATIENT, accessToken });

async function read(app: FastifyInstance, accessToken: string, dpop: string) {
  const response = await app.inject({ method: 'GET', url: new URL(PATIENT).pathname, headers: { authorization: `DPoP ${accessToken}`, dpop } });
  return { status: response.statusCode, challenge: String(response.headers['www-authenticate'] ?? '') };
}

async function restart(redis: RedisServer, app: FastifyInstance): Promise<void> {
  await new Promise((r) => setTimeout(r, 1100)); // iat has one-second resolution: the loss comes a second after the proof
  await redis.kill();
  await redis.start();
  const deadline = Date.now() + 8000;
  while ((await app.inject({ method: 'GET', url: '/health/ready' })).statusCode !== 200) {
    if (Date.now() > deadline) throw new Error('dva-fhir did not become ready again');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.runIf(canStartRedisServer('restart')).each([
  { persistence: 'none', aof: false },
  { persistence: 'AOF', aof: true },
])('dva-fhir after Redis restarts (persistence: $persistence)', ({ aof }) => {
  let redis: RedisServer;
  let app: FastifyInstance;
  beforeAll(async () => {
    redis = await startRedisServer({ aof });
    app = await buildDvaFhir(loadDvaFhirConfig({ STORE: redis.url, LOG_LEVEL: 'silent' }), { accessTokenKey: signing.verifyKey });
  });
  afterAll(async () => {
    await app?.close();
    await redis?.stop();
  });

  it('refuses a DPoP proof used before the restart, and accepts fresh ones at once', async () => {
    const at = await token('grant-live');
    const used = await proof(at);
    expect((await read(app, at, used)).status).toBe(200);
    await restart(redis, app);
    const replay = await read(app, at, used);
    expect(replay.status).toBe(401);
    expect(replay.challenge).toContain('error="invalid_dpop_proof"');
    expect((await read(app, at, await proof(at))).status).toBe(200);
  });

  it.runIf(aof)('keeps a revoked grant revoked', async () => {
    const writer = new RedisStore({ url: redis.url });
    await writer.set(revokedGrantKey('grant-revoked'), Math.floor(Date.now() / 1000), 3600); // as dva-auth's oidc adapter does
    await writer.close();
    const at = await token('grant-revoked');
    expect((await read(app, at, await proof(at))).challenge).toContain('error="invalid_token"');
    await restart(redis, app);
    const after = await read(app, at, await proof(at));
    expect(after.status).toBe(401);
    expect(after.challenge).toContain('error="invalid_token"');
  });
});

describe('dva-auth after its store lost its state', () => {
  it('refuses at /token a DPoP proof made before the epoch, before oidc-provider sees it', async () => {
    const store = new MemoryStore();
    const now = Math.floor(Date.now() / 1000);
    await store.set(EPOCH_KEY, now, 3600); // the store came back empty this second
    const app = await buildDvaAuth(dvaAuthConfig({ LOG_LEVEL: 'silent' }), { store });
    try {
      const dpop = await createDpopProof({ key: dpopKey, htm: 'POST', htu: 'http://dva.localhost:4100/token', iat: now - 5 });
      const response = await app.inject({ method: 'POST', url: '/token', headers: { dpop, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'grant_type=authorization_code&code=x' });
      expect({ status: response.statusCode, body: response.json() }).toEqual({ status: 400, body: { error: 'invalid_dpop_proof', error_description: 'DPoP proof has already been used' } });
    } finally {
      await app.close();
    }
  });
});

describe('client assertions after the DVA store lost its state', () => {
  it('refuses at /par an assertion issued before the epoch, and accepts a fresh one (oidc-provider client authentication)', async () => {
    const store = new MemoryStore();
    const now = Math.floor(Date.now() / 1000);
    await store.set(EPOCH_KEY, now, 3600);
    const t = await startProtocolStack({ dvaStore: store });
    try {
      const key = t.keys.pgo;
      const assertion = (at: number) => createClientAssertion({ clientId: 'pgo-demo', audience: t.urls.dvaAuth, privateKey: key.privateKey, alg: 'ES256', kid: key.kid, clock: () => at });
      const par = async (at: number) => {
        const form = { client_id: 'pgo-demo', client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: await assertion(at), response_type: 'code', redirect_uri: `${t.urls.pgo}/callback`, scope: 'openid', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' };
        const response = await fetch(`${t.urls.dvaAuth}/par`, { method: 'POST', body: new URLSearchParams(form) });
        return { status: response.status, body: (await response.json()) as { error?: string; error_description?: string } };
      };
      expect(await par(now - 5)).toEqual({ status: 401, body: { error: 'invalid_client', error_description: 'client authentication failed' } });
      expect((await par(now)).body.error).not.toBe('invalid_client');
    } finally {
      await t.close();
    }
  });
});
