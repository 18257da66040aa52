/**
 * docs/decisions.md I58 across instances: two dva-auth instances on one Redis count a client's
 * PARs against one quota, as a scaled-out DVA would. Skipped without Redis, except under CI=true.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore, randomToken } from '@koppelmij/core';
import { buildDvaAuth, loadDvaAuthConfig } from '@koppelmij/dva-auth';
import { loadSigningKey } from '@koppelmij/service-kit';
import { redisUrlOrSkip, testPrefix } from '../../packages/core/test/support/redis.ts';
import { PGO, post, startProtocolStack, type ProtocolStack } from '../support/protocol.ts';

const redisUrl = await redisUrlOrSkip('quotas-redis');

describe.skipIf(redisUrl === undefined)('a per-client quota shared by two dva-auth instances on one Redis', () => {
  let store: RedisStore;
  let t: ProtocolStack;
  let twin: FastifyInstance;
  let twinUrl: string;

  beforeAll(async () => {
    store = new RedisStore({ url: redisUrl!, prefix: testPrefix('quotas-redis') });
    const shared = {
      SIGNING_JWK: JSON.stringify((await loadSigningKey()).privateJwk), COOKIE_KEYS: randomToken(), DPOP_NONCE_SECRET: randomToken(), LOG_LEVEL: 'warn',
      RATE_LIMITS: JSON.stringify({ par: { limit: 4, window: 60 } }),
    };
    t = await startProtocolStack({ dvaStore: store, serviceEnv: { dvaAuth: shared } });
    const { dvaAuth, dvaFhir, pgo, module, digid } = t.urls;
    twin = await buildDvaAuth(loadDvaAuthConfig({ DVA_AUTH_URL: dvaAuth, DVA_FHIR_URL: dvaFhir, PGO_URL: pgo, MODULE_URL: module, DIGID_URL: digid, ...shared }), { store });
    await twin.listen({ port: 0, host: '127.0.0.1' });
    twinUrl = `http://127.0.0.1:${(twin.server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await twin?.close();
    await t?.close();
    await store?.close();
  });

  it('refuses the fifth PAR of one client, whichever instance the four went to', async () => {
    const par = (base?: string) => post(t, '/par', { response_type: 'code', scope: 'openid', redirect_uri: `${t.urls.pgo}/callback` }, { as: PGO, ...(base && { base }) });
    for (const base of [undefined, twinUrl, undefined, twinUrl]) expect((await par(base)).status).not.toBe(429);
    const one = await par();
    const two = await par(twinUrl);
    expect([one.status, two.status]).toEqual([429, 429]);
    expect(Number(two.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
