/**
 * docs/protocol.md §8 items 18 and 23 for options 2a and 2b, in full (docs/option-2a-2b.md): the module's
 * assertion as `actor_token` at the DVA (docs/security-checklists.md §2 (6), §3), and the DPoP-bound
 * delegation token at dva-fhir (docs/security-checklists.md §1.3). The test plays the PGO and the module
 * against the real DVA. Every refusal is checked by its code and, for the actor token, by the
 * reason the DVA audits (the client sees one fixed text, docs/decisions-protocol.md D5).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { generateDpopKey, randomToken, type DpopKey } from '@koppelmij/core';
import { buildDvaFhir, loadDvaFhirConfig } from '@koppelmij/dva-fhir';
import { loadSigningKey } from '@koppelmij/service-kit';
import {
  MODULE_2A, MODULE_2B, claimsOf, fhirCall, forwardedExchange, moduleAssertion, moduleExchange, temporaryToken,
  type AssertionOptions,
} from '../support/delegation.ts';
import { captureAudit } from '../support/fhir-audit.ts';
import { collectToken, startProtocolStack, type ProtocolStack, type Reply } from '../support/protocol.ts';

const RS_NONCE_SECRET = randomBytes(32).toString('base64url');

let t: ProtocolStack;
let collect: string;
let second: FastifyInstance;
let secondOrigin: string;
beforeAll(async () => {
  // dva-fhir hands out DPoP nonces here (RFC 9449 §9), so item 23's "nonce" is exercised too
  t = await startProtocolStack({ serviceEnv: { dvaFhir: { DPOP_NONCE_SECRET: RS_NONCE_SECRET } } });
  collect = (await collectToken(t)).access_token;
  // a second dva-fhir instance on the DVA's shared store: replay must be caught across instances
  second = await buildDvaFhir(
    loadDvaFhirConfig({ DVA_FHIR_URL: t.urls.dvaFhir, DVA_AUTH_URL: t.urls.dvaAuth, DPOP_NONCE_SECRET: RS_NONCE_SECRET, LOG_LEVEL: 'silent' }),
    { store: t.dvaStore },
  );
  secondOrigin = await second.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await second?.close();
  await t?.close();
});
afterEach(() => vi.useRealTimers());

type Option = '2a' | '2b';
const OPTIONS: Option[] = ['2a', '2b'];
const moduleOf = (option: Option) => (option === '2a' ? MODULE_2A : MODULE_2B);
/** 2a: the assertion the module made for the PGO's token endpoint; 2b: its own, for the DVA's (docs/decisions-protocol.md D1). */
const actorAudience = (option: Option) => (option === '2a' ? `${t.urls.pgo}/token` : `${t.urls.dvaAuth}/token`);

/** An actor token of `option`'s module for `key`, with `options` changed. */
const actor = (option: Option, key: DpopKey, options: AssertionOptions = {}) =>
  moduleAssertion(t, moduleOf(option), { audience: actorAudience(option), jkt: key.jkt, ...options });

/** Presents `actorToken` the way `option` does: forwarded by the PGO (2a), or by the module with the temporary token and a proof (2b). */
async function present(option: Option, actorToken: string, key: DpopKey): Promise<Reply> {
  if (option === '2a') return forwardedExchange(t, collect, actorToken);
  return moduleExchange(t, await temporaryToken(t, collect), actorToken, { dpop: key });
}

const refusedReason = async () => (await t.dvaAuth.dva.audit.recent(5)).find((e) => e.type === 'token-exchange.refused')?.reason;

async function expectActorRefused(reply: Reply, reason: string): Promise<void> {
  expect(reply.status, JSON.stringify(reply.body)).toBe(400);
  expect(reply.body).toEqual({ error: 'invalid_request', error_description: 'actor_token is invalid' }); // docs/decisions-protocol.md D5
  expect(await refusedReason()).toBe(reason);
}

describe.each(OPTIONS)('option %s: the actor token (docs/protocol.md §8 item 18)', (option) => {
  it('is accepted when every check passes, and binds the token to its cnf.jkt', async () => {
    const key = await generateDpopKey();
    const reply = await present(option, await actor(option, key), key);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body.token_type).toBe('DPoP');
    expect((await claimsOf(t, reply.body.access_token)).cnf).toEqual({ jkt: key.jkt });
  });

  it('is refused with a bad signature', async () => {
    const key = await generateDpopKey();
    const other = await loadSigningKey();
    // the registered kid, another key: the signature does not verify (docs/security-checklists.md §3 (4))
    await expectActorRefused(await present(option, await actor(option, key, { key: other, kid: t.keys.module.kid }), key), 'client assertion signature invalid');
  });

  it('is refused from an unknown module', async () => {
    const key = await generateDpopKey();
    const stranger = await moduleAssertion(t, 'module-unknown', { audience: actorAudience(option), jkt: key.jkt });
    await expectActorRefused(await present(option, stranger, key), 'unknown module');
  });

  it('is refused from a module registered for another option', async () => {
    const key = await generateDpopKey();
    const other = await moduleAssertion(t, option === '2a' ? MODULE_2B : MODULE_2A, { audience: actorAudience(option), jkt: key.jkt });
    await expectActorRefused(await present(option, other, key), 'unknown module');
  });

  it('is refused when expired', async () => {
    const key = await generateDpopKey();
    const made = Math.floor(Date.now() / 1000) - 400; // exp = made + 60, well in the past
    await expectActorRefused(await present(option, await actor(option, key, { at: made }), key), 'client assertion expired');
  });

  it('is refused with a replayed jti', async () => {
    const key = await generateDpopKey();
    const jti = randomToken();
    expect((await present(option, await actor(option, key, { jti }), key)).status).toBe(200);
    await expectActorRefused(await present(option, await actor(option, key, { jti }), key), 'client assertion jti already used');
  });

  it('is refused without cnf', async () => {
    const key = await generateDpopKey();
    await expectActorRefused(await present(option, await actor(option, key, { jkt: null }), key), 'client assertion cnf missing');
  });

  it('is refused with an audience the DVA does not accept for this option', async () => {
    const key = await generateDpopKey();
    // 2a: an assertion for the DVA itself, not forwarded from the PGO; 2b: one made for the PGO, replayed at the DVA
    const wrong = option === '2a' ? `${t.urls.dvaAuth}/token` : `${t.urls.pgo}/token`;
    await expectActorRefused(await present(option, await actor(option, key, { audience: wrong }), key), 'client assertion aud invalid');
  });
});

/** A DPoP-bound delegation token of `option` and its key. */
async function delegation(option: Option): Promise<{ token: string; key: DpopKey }> {
  const key = await generateDpopKey();
  const reply = await present(option, await actor(option, key), key);
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return { token: reply.body.access_token, key };
}

/** The resource server's current nonce (RFC 9449 §9): what a first call without one is told. */
async function rsNonce(token: string, key: DpopKey): Promise<string> {
  const first = await fhirCall(t, token, key);
  expect(first.status).toBe(401);
  expect(first.headers.get('www-authenticate')).toMatch(/^DPoP error="use_dpop_nonce"/);
  return first.headers.get('dpop-nonce')!;
}

const expectRefused = (reply: Reply, error: string, description: string) => {
  expect(reply.status).toBe(401);
  expect(reply.headers.get('www-authenticate')).toContain(`error="${error}", error_description="${description}"`);
};

describe.each(OPTIONS)('option %s: the delegation token at dva-fhir (docs/protocol.md §8 item 23)', (option) => {
  const task = option === '2a' ? 'Task/task-2a' : 'Task/task-2b';
  let token: string;
  let key: DpopKey;
  let nonce: string;
  beforeAll(async () => {
    ({ token, key } = await delegation(option));
    nonce = await rsNonce(token, key);
  });

  it('reads the launch Task with a proof by the bound key; the audit names the actor chain', async () => {
    const audit = captureAudit(t.apps.dvaFhir);
    const reply = await fhirCall(t, token, key, { path: task, proof: { nonce } });
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body.id).toBe(task.slice('Task/'.length));
    // RFC 8693 §4.1 in the audit: the module acting, the PGO before it (docs/option-2a-2b.md)
    expect(audit.events.at(-1)).toMatchObject({ path: `/fhir/${task}`, status: 200, client_id: moduleOf(option), act: [moduleOf(option), 'pgo-demo'], scheme: 'DPoP', kind: 'module' });
    audit.stop();
  });

  it('is refused as a Bearer token', async () => {
    expectRefused(await fhirCall(t, token, key, { path: task, scheme: 'Bearer', proof: { nonce } }), 'invalid_token', 'A DPoP-bound access token requires the DPoP scheme');
  });

  it('is refused without a DPoP proof', async () => {
    const response = await fetch(`${t.urls.dvaFhir}/${task}`, { headers: { authorization: `DPoP ${token}` } });
    expectRefused({ status: response.status, headers: response.headers, body: undefined }, 'invalid_dpop_proof', 'DPoP proof is missing');
  });

  it('is refused with a proof by another key: a stolen token is useless without the key', async () => {
    expectRefused(await fhirCall(t, token, key, { path: task, key: await generateDpopKey(), proof: { nonce } }), 'invalid_token', 'Invalid DPoP key binding');
  });

  it('is refused with a wrong ath', async () => {
    expectRefused(await fhirCall(t, token, key, { path: task, proof: { nonce, accessToken: `${token}x` } }), 'invalid_dpop_proof', 'DPoP proof ath does not match the access token');
  });

  it('is refused with a wrong htm', async () => {
    expectRefused(await fhirCall(t, token, key, { path: task, proof: { nonce, htm: 'POST' } }), 'invalid_dpop_proof', 'DPoP proof htm does not match the request method');
  });

  it('is refused with a wrong htu', async () => {
    expectRefused(await fhirCall(t, token, key, { path: task, proof: { nonce, htu: `${t.urls.dvaFhir}/Patient/pat-van-duinen` } }), 'invalid_dpop_proof', 'DPoP proof htu does not match the request URI');
  });

  it('is refused with a stale iat', async () => {
    const iat = Math.floor(Date.now() / 1000) - 120;
    expectRefused(await fhirCall(t, token, key, { path: task, proof: { nonce, iat } }), 'invalid_dpop_proof', 'DPoP proof iat is outside the acceptable window');
  });

  it('is refused without the server nonce, and told the nonce to use', async () => {
    const reply = await fhirCall(t, token, key, { path: task });
    expectRefused(reply, 'use_dpop_nonce', 'Resource server requires nonce in DPoP proof');
    expect(reply.headers.get('dpop-nonce')).toMatch(/^[\w-]{43}$/);
  });

  it('is refused with a replayed proof, also at another instance of dva-fhir', async () => {
    const first = await fhirCall(t, token, key, { path: task, proof: { nonce } });
    expect(first.status).toBe(200);
    expectRefused(await fhirCall(t, token, key, { path: task, rawProof: first.proof }), 'invalid_dpop_proof', 'DPoP proof has already been used');
    expectRefused(await fhirCall(t, token, key, { path: task, rawProof: first.proof, origin: secondOrigin }), 'invalid_dpop_proof', 'DPoP proof has already been used');
    // the second instance itself accepts a fresh proof: only the replay was refused
    expect((await fhirCall(t, token, key, { path: task, proof: { nonce }, origin: secondOrigin })).status).toBe(200);
  });
});
