/**
 * docs/decisions-protocol.md D12 across instances: two dva-auth instances with one configuration (issuer, signing
 * key, cookie keys, DPoP nonce secret) share one Redis store, as a scaled-out DVA would. The same
 * one-time code, sent 20 times at once to both token endpoints, is accepted exactly once.
 * Skipped without Redis, except under CI=true (redisUrlOrSkip).
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore, generateDpopKey, randomToken } from '@koppelmij/core';
import { buildDvaAuth, loadDvaAuthConfig } from '@koppelmij/dva-auth';
import { loadSigningKey } from '@koppelmij/service-kit';
import { redisUrlOrSkip, testPrefix } from '../../packages/core/test/support/redis.ts';
import { Browser } from '../support/browser.ts';
import {
  MODULE_SECRET, TOM, collectToken, exchangeParams, launchCode, launchPrep, moduleAuthorize, post, startProtocolStack,
  type ProtocolStack, type Reply,
} from '../support/protocol.ts';

const redisUrl = await redisUrlOrSkip('3a-race');
const ATTEMPTS = 20;

describe.skipIf(redisUrl === undefined)('D12: one-time codes across two dva-auth instances on one Redis', () => {
  let store: RedisStore;
  let t: ProtocolStack;
  let twin: FastifyInstance;
  let twinUrl: string;
  let tom: string;

  beforeAll(async () => {
    store = new RedisStore({ url: redisUrl!, prefix: testPrefix('3a-race') });
    const shared = { SIGNING_JWK: JSON.stringify((await loadSigningKey()).privateJwk), COOKIE_KEYS: randomToken(), DPOP_NONCE_SECRET: randomToken(), LOG_LEVEL: 'warn' };
    t = await startProtocolStack({ dvaStore: store, serviceEnv: { dvaAuth: shared } });
    // the second instance: the same issuer and secrets, another port
    const { dvaAuth, dvaFhir, pgo, module, digid } = t.urls;
    twin = await buildDvaAuth(loadDvaAuthConfig({ DVA_AUTH_URL: dvaAuth, DVA_FHIR_URL: dvaFhir, PGO_URL: pgo, MODULE_URL: module, DIGID_URL: digid, ...shared }), { store });
    await twin.listen({ port: 0, host: '127.0.0.1' });
    twinUrl = `http://127.0.0.1:${(twin.server.address() as { port: number }).port}`;
    tom = (await collectToken(t, TOM)).access_token;
  });
  afterAll(async () => {
    await twin?.close();
    await t?.close();
    await store?.close();
  });

  /** `send(base)` ATTEMPTS times at once, alternating between the two instances. */
  const race = (send: (base: string | undefined) => Promise<Reply>) => Promise.all(Array.from({ length: ATTEMPTS }, (_, i) => send(i % 2 === 0 ? undefined : twinUrl)));

  it('the second instance answers as the same authorization server', async () => {
    const response = await fetch(`${twinUrl}/.well-known/openid-configuration`);
    expect(((await response.json()) as { issuer?: string }).issuer).toBe(t.urls.dvaAuth);
  });

  it('accepts a launch-prep code (actor_token) exactly once', async () => {
    const prep = await launchPrep(t, new Browser(), tom);
    const answers = await race((base) => post(t, '/token', exchangeParams(tom, prep), { ...(base && { base }) }));
    const won = answers.filter((a) => a.status === 200);
    expect(won).toHaveLength(1);
    expect(won[0]!.body.token_type).toBe('N_A');
    // a loser saw the code consumed (invalid_request, D5) or lost the atomic consume (invalid_grant)
    for (const lost of answers.filter((a) => a.status !== 200)) expect(lost).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^(invalid_request|invalid_grant)$/) } });
  });

  it('accepts a module authorization code exactly once', async () => {
    const browser = new Browser();
    const launch = await launchCode(t, browser, tom, { audience: MODULE_SECRET, task: 'task-3a-secret' });
    const authorization = await moduleAuthorize(t, browser, launch, { clientId: MODULE_SECRET });
    expect(authorization.code).toBeTruthy();
    const form = { grant_type: 'authorization_code', code: authorization.code!, redirect_uri: authorization.redirectUri, code_verifier: authorization.verifier };
    const dpop = await generateDpopKey(); // the registration demands DPoP (docs/decisions.md I100)
    const answers = await race((base) => post(t, '/token', form, { as: MODULE_SECRET, dpop, ...(base && { base }) }));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    for (const lost of answers.filter((a) => a.status !== 200)) expect(lost).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });
});
