/**
 * Option 2b in-process (docs/protocol.md §3.4; docs/option-2a-2b.md): the real PGO is the module's SMART
 * authorization server and answers its /token with a temporary token, which it obtained from the
 * DVA; the module exchanges it at the DVA with its own assertion and a DPoP proof. The test plays
 * the module (and, for the DVA's checks, the PGO). The DVA knows two extra clients here: a
 * second 2b module and a PGO that is no authorization server.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { GRANT_TYPE_TOKEN_EXCHANGE, TOKEN_TYPE, createDpopProof, generateDpopKey, type DpopKey } from '@koppelmij/core';
import { Browser, type Page } from '../support/browser.ts';
import {
  MODULE_2A, MODULE_2B, claimsOf, fhirCall, forwardedExchange, moduleAssertion, moduleExchange, pgoAuthorize, pgoLaunch, pgoToken,
  temporaryToken, temporaryTokenRequest,
} from '../support/delegation.ts';
import { collect, loginAtPgo } from '../support/flows.ts';
import { TOM, clientAssertion, collectToken, post, startProtocolStack, travel, type ProtocolStack, type Reply } from '../support/protocol.ts';

const OTHER_2B = 'module-2b-other';
const PLAIN_PGO = 'pgo-plain';

/** The demo registrations plus a second 2b module and a PGO without `actor_token_audiences`. */
function registrationsFile(): string {
  const demo = JSON.parse(readFileSync(new URL('../../deploy/demo/registrations.json', import.meta.url), 'utf8'));
  const module2b = demo.modules.find((m: { client_id: string }) => m.client_id === MODULE_2B);
  const { actor_token_audiences: _forwarding, ...pgo } = demo.pgos[0];
  demo.modules.push({ ...module2b, client_id: OTHER_2B, launch_url: '{{MODULE_URL}}/m/module-2b-other/launch', redirect_uris: ['{{MODULE_URL}}/m/module-2b-other/callback'] });
  demo.pgos.push({ ...pgo, client_id: PLAIN_PGO });
  const path = join(mkdtempSync(join(tmpdir(), 'koppelmij-2b-')), 'registrations.json');
  writeFileSync(path, JSON.stringify(demo));
  return path;
}

let t: ProtocolStack;
let owner: Browser;
let dossier: Page;
let collectAt: string;
beforeAll(async () => {
  t = await startProtocolStack({ serviceEnv: { dvaAuth: { REGISTRATIONS_FILE: registrationsFile() } } });
  owner = new Browser();
  dossier = await collect(t, owner, await loginAtPgo(t, owner, TOM), TOM);
  collectAt = (await collectToken(t)).access_token;
});
afterAll(() => t?.close());
afterEach(() => vi.useRealTimers());

/** The module's own assertion as actor token: for the DVA's token endpoint, naming `key`. */
const actorFor = (key: DpopKey, clientId = MODULE_2B) => moduleAssertion(t, clientId, { jkt: key.jkt });
const refusedReason = async () => (await t.dvaAuth.dva.audit.recent(5)).find((e) => e.type === 'token-exchange.refused')?.reason;

async function expectSubjectRefused(reply: Reply, reason: string): Promise<void> {
  expect(reply.status, JSON.stringify(reply.body)).toBe(400);
  expect(reply.body).toEqual({ error: 'invalid_request', error_description: 'subject_token is invalid' }); // docs/decisions-protocol.md D5
  expect(await refusedReason()).toBe(reason);
}

describe('option 2b end to end', () => {
  it('answers the PGO’s /token with a temporary token (step 10), which the module exchanges at the DVA (steps 11–12)', async () => {
    const key = await generateDpopKey();
    const { launch, iss } = await pgoLaunch(t, 'task-2b', owner, dossier);
    expect(iss).toBe(`${t.urls.pgo}/fhir`);
    const auth = await pgoAuthorize(t, owner, MODULE_2B, launch);
    const answer = await pgoToken(t, MODULE_2B, auth, key);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body).toMatchObject({
      token_type: 'N_A', // docs/option-2a-2b.md: not usable as an access token (RFC 8693 §2.2.1)
      issued_token_type: TOKEN_TYPE.TEMPORARY_EXCHANGE_TOKEN,
      expires_in: 300,
      token_exchange_endpoint: `${t.urls.dvaAuth}/token`,
      resource_server: t.urls.dvaFhir,
    });
    expect(answer.body.access_token).toMatch(/^[\w-]{43}$/); // opaque: never a JWT in the front end
    expect(answer.body.refresh_token).toBeUndefined();
    expect(answer.body.aud).toBeUndefined();

    const exchanged = await moduleExchange(t, answer.body.access_token, await actorFor(key), { dpop: key });
    expect(exchanged.status, JSON.stringify(exchanged.body)).toBe(200);
    expect(exchanged.body).toMatchObject({
      token_type: 'DPoP', issued_token_type: TOKEN_TYPE.ACCESS_TOKEN, patient: 'pat-van-duinen', fhirContext: [{ reference: 'Task/task-2b' }],
    });
    expect(exchanged.body.refresh_token).toBeUndefined();
    expect(exchanged.headers.get('dpop-nonce')).toMatch(/^[\w-]{43}$/); // RFC 9449 §8.2: the next proof's nonce
    const claims = await claimsOf(t, exchanged.body.access_token);
    expect(claims).toMatchObject({ client_id: MODULE_2B, cnf: { jkt: key.jkt }, act: { sub: MODULE_2B, act: { sub: 'pgo-demo' } } });
    expect((await fhirCall(t, exchanged.body.access_token, key, { path: 'Task/task-2b' })).status).toBe(200);
  });
});

describe('the temporary token (docs/protocol.md §8 item 18)', () => {
  it('is single use', async () => {
    const key = await generateDpopKey();
    const temporary = await temporaryToken(t, collectAt);
    expect((await moduleExchange(t, temporary, await actorFor(key), { dpop: key })).status).toBe(200);
    await expectSubjectRefused(await moduleExchange(t, temporary, await actorFor(key), { dpop: key }), 'temporary token unknown, expired or used');
  });

  it('is refused older than 5 minutes', async () => {
    const key = await generateDpopKey();
    const temporary = await temporaryToken(t, collectAt);
    travel(301);
    await expectSubjectRefused(await moduleExchange(t, temporary, await actorFor(key), { dpop: key }), 'temporary token unknown, expired or used');
  });

  it('is refused from another module, and is then burned for its own (docs/decisions-protocol.md D8)', async () => {
    const key = await generateDpopKey();
    const temporary = await temporaryToken(t, collectAt);
    await expectSubjectRefused(await moduleExchange(t, temporary, await actorFor(key, OTHER_2B), { as: OTHER_2B, dpop: key }), 'temporary token of another module');
    await expectSubjectRefused(await moduleExchange(t, temporary, await actorFor(key), { dpop: key }), 'temporary token unknown, expired or used');
  });

  it('dies with the PGO’s grant (docs/security-checklists.md §2 (13))', async () => {
    const key = await generateDpopKey();
    const own = (await collectToken(t)).access_token;
    const temporary = await temporaryToken(t, own);
    expect((await post(t, '/revoke', { token: own, token_type_hint: 'access_token' })).status).toBe(200);
    await expectSubjectRefused(await moduleExchange(t, temporary, await actorFor(key), { dpop: key }), 'subject grant revoked');
  });

  it('is no access token: dva-fhir refuses it', async () => {
    const temporary = await temporaryToken(t, collectAt);
    const response = await fetch(`${t.urls.dvaFhir}/Task/task-2b`, { headers: { authorization: `Bearer ${temporary}` } });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('is issued to a PGO only, for a module of option 2b only', async () => {
    const forModule2a = await temporaryTokenRequest(t, collectAt, { audience: MODULE_2A, resource: 'Task/task-2a' });
    expect(forModule2a.status).toBe(400);
    expect(forModule2a.body).toEqual({ error: 'invalid_target', error_description: 'audience is not allowed' });
    const byModule = await post(t, '/token', {
      grant_type: GRANT_TYPE_TOKEN_EXCHANGE, subject_token: collectAt, subject_token_type: TOKEN_TYPE.ACCESS_TOKEN,
      requested_token_type: TOKEN_TYPE.TEMPORARY_EXCHANGE_TOKEN, audience: MODULE_2B, resource: 'Task/task-2b',
    }, { as: MODULE_2B, dpop: await generateDpopKey() }); // its registration demands DPoP (docs/decisions.md I100)
    expect(byModule.status).toBe(400);
    expect(byModule.body.error).toBe('unauthorized_client');
  });
});

describe('the module’s exchange at the DVA', () => {
  it('is refused when the actor is not the authenticated client (docs/security-checklists.md §2 (6))', async () => {
    const key = await generateDpopKey();
    const temporary = await temporaryToken(t, collectAt);
    const reply = await moduleExchange(t, temporary, await actorFor(key, OTHER_2B), { dpop: key });
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ error: 'invalid_request', error_description: 'actor_token is invalid' });
    expect(await refusedReason()).toBe('actor is not the client');
  });

  it('is refused with resources of its own: the temporary token fixes the launch context', async () => {
    const key = await generateDpopKey();
    const reply = await moduleExchange(t, await temporaryToken(t, collectAt), await actorFor(key), { dpop: key, overrides: { resource: 'Task/task-3a' } });
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ error: 'invalid_target', error_description: 'resource is not allowed' });
  });

  it('is refused without a DPoP proof (RFC 9449 §5)', async () => {
    const key = await generateDpopKey();
    const reply = await moduleExchange(t, await temporaryToken(t, collectAt), await actorFor(key), { dpop: null });
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ error: 'invalid_dpop_proof', error_description: 'DPoP proof is missing' });
  });

  it('is refused when the proof key is not the actor’s cnf.jkt, and the temporary token survives it', async () => {
    const key = await generateDpopKey();
    const temporary = await temporaryToken(t, collectAt);
    const reply = await moduleExchange(t, temporary, await actorFor(key), { dpop: await generateDpopKey() });
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ error: 'invalid_dpop_proof', error_description: 'Invalid DPoP key binding' });
    expect((await moduleExchange(t, temporary, await actorFor(key), { dpop: key })).status).toBe(200);
  });

  it('challenges a proof without nonce with a fresh DPoP-Nonce, spending nothing (RFC 9449 §8; docs/decisions-protocol.md D6)', async () => {
    const key = await generateDpopKey();
    const temporary = await temporaryToken(t, collectAt);
    const actor = await actorFor(key);
    const proof = await createDpopProof({ key, htm: 'POST', htu: `${t.urls.dvaAuth}/token` });
    const challenged = await moduleExchange(t, temporary, actor, { proof });
    expect(challenged.status).toBe(400);
    expect(challenged.body.error).toBe('use_dpop_nonce');
    const nonce = challenged.headers.get('dpop-nonce');
    expect(nonce).toMatch(/^[\w-]{43}$/);
    // the same temporary token and actor token, now with the nonce
    const retried = await moduleExchange(t, temporary, actor, { proof: await createDpopProof({ key, htm: 'POST', htu: `${t.urls.dvaAuth}/token`, nonce: nonce! }) });
    expect(retried.status, JSON.stringify(retried.body)).toBe(200);
  });

  it('is refused with a proof for another URI (htu), a replayed proof, or a stale one', async () => {
    const key = await generateDpopKey();
    const nonce = (await moduleExchange(t, 'x', 'y.z.w', { proof: await createDpopProof({ key, htm: 'POST', htu: `${t.urls.dvaAuth}/token` }) })).headers.get('dpop-nonce')!;
    const proof = (overrides: { htu?: string; iat?: number } = {}) =>
      createDpopProof({ key, htm: 'POST', htu: overrides.htu ?? `${t.urls.dvaAuth}/token`, nonce, ...(overrides.iat !== undefined && { iat: overrides.iat }) });
    const temporary = await temporaryToken(t, collectAt);

    const wrongHtu = await moduleExchange(t, temporary, await actorFor(key), { proof: await proof({ htu: `${t.urls.pgo}/token` }) });
    expect(wrongHtu.body).toEqual({ error: 'invalid_dpop_proof', error_description: 'DPoP proof htu does not match the request URI' });
    const stale = await moduleExchange(t, temporary, await actorFor(key), { proof: await proof({ iat: Math.floor(Date.now() / 1000) - 120 }) });
    expect(stale.body).toEqual({ error: 'invalid_dpop_proof', error_description: 'DPoP proof iat is outside the acceptable window' });
    const once = await proof();
    expect((await moduleExchange(t, temporary, await actorFor(key), { proof: once })).status).toBe(200);
    const replayed = await moduleExchange(t, await temporaryToken(t, collectAt), await actorFor(key), { proof: once });
    expect(replayed.body).toEqual({ error: 'invalid_dpop_proof', error_description: 'DPoP proof has already been used' });
  });

  it('refuses a stolen delegation token as subject_token: only a temporary token is one (docs/security-checklists.md §2 (5))', async () => {
    const key = await generateDpopKey();
    const stolen = (await moduleExchange(t, await temporaryToken(t, collectAt), await actorFor(key), { dpop: key })).body.access_token as string;
    await expectSubjectRefused(await moduleExchange(t, stolen, await actorFor(key), { dpop: key }), 'temporary token unknown, expired or used');
  });
});

describe('option 2a at a DVA that registered the PGO without actor_token_audiences', () => {
  it('lets that PGO forward no assertion (docs/option-2a-2b.md)', async () => {
    const key = await generateDpopKey();
    const actor = await moduleAssertion(t, MODULE_2A, { audience: `${t.urls.pgo}/token`, jkt: key.jkt });
    const reply = await post(t, '/token', {
      grant_type: GRANT_TYPE_TOKEN_EXCHANGE, subject_token: collectAt, subject_token_type: TOKEN_TYPE.ACCESS_TOKEN,
      actor_token: actor, actor_token_type: TOKEN_TYPE.JWT, resource: 'Task/task-2a',
      ...(await clientAssertion(t, PLAIN_PGO, t.keys.pgo)), // registered with the PGO's jwks_uri
    }, { as: false });
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ error: 'unauthorized_client', error_description: 'client may not forward actor tokens' });
    // the registered PGO may (the same request as pgo-demo)
    expect((await forwardedExchange(t, collectAt, await moduleAssertion(t, MODULE_2A, { audience: `${t.urls.pgo}/token`, jkt: key.jkt }))).status).toBe(200);
  });
});
