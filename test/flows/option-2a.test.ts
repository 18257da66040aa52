/**
 * Option 2a in-process (docs/protocol.md §3.3; docs/option-2a-2b.md): the real PGO is the module's SMART
 * authorization server and exchanges at the DVA during its own /token. The test plays the
 * module: it follows the PGO's launch, authorizes in the owner's browser, and redeems the code
 * at the PGO with a DPoP proof and an assertion carrying `cnf.jkt`.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { GRANT_TYPE_TOKEN_EXCHANGE, TOKEN_TYPE, generateDpopKey, type DpopKey } from '@koppelmij/core';
import { Browser, type Page } from '../support/browser.ts';
import {
  MODULE_2A, MODULE_2B, MODULE_SCOPE, claimsOf, fhirCall, forwardedExchange, moduleAssertion, pgoAuthorize, pgoLaunch, pgoToken, temporaryTokenRequest,
  type PgoLaunch,
} from '../support/delegation.ts';
import { collect, loginAtPgo } from '../support/flows.ts';
import { KOOS, TOM, collectToken, post, startProtocolStack, travel, type ProtocolStack, type Reply } from '../support/protocol.ts';

let t: ProtocolStack;
let owner: Browser;
let dossier: Page;
beforeAll(async () => {
  t = await startProtocolStack();
  owner = new Browser();
  dossier = await collect(t, owner, await loginAtPgo(t, owner, TOM), TOM);
});
afterAll(() => t?.close());
afterEach(() => vi.useRealTimers());

const launchOf = (task = 'task-2a'): Promise<PgoLaunch> => pgoLaunch(t, task, owner, dossier);

/** Steps 3–11 as module-2a: launch, the PGO's /authorize in the owner's browser, the PGO's /token. */
async function delegated(key: DpopKey): Promise<Reply> {
  const { launch } = await launchOf();
  const auth = await pgoAuthorize(t, owner, MODULE_2A, launch);
  expect(auth.code, auth.page.url).toBeTruthy();
  return pgoToken(t, MODULE_2A, auth, key);
}

describe('option 2a end to end', () => {
  it('launches with the PGO FHIR base as iss, which serves the PGO’s SMART configuration', async () => {
    const { iss, launchUrl } = await launchOf();
    expect(iss).toBe(`${t.urls.pgo}/fhir`);
    expect(launchUrl.pathname).toBe(`/m/${MODULE_2A}/launch`);
    const smart = (await (await fetch(`${iss}/.well-known/smart-configuration`)).json()) as Record<string, unknown>;
    expect(smart).toMatchObject({
      issuer: t.urls.pgo,
      authorization_endpoint: `${t.urls.pgo}/authorize`,
      token_endpoint: `${t.urls.pgo}/token`,
      revocation_endpoint: `${t.urls.pgo}/revoke`, // level PS's terugkeer (RFC 7009)
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      code_challenge_methods_supported: ['S256'],
    });
    expect(smart.dpop_signing_alg_values_supported).toContain('ES256');
    expect(smart.grant_types_supported).toEqual(['authorization_code']);
  });

  it('answers the PGO’s /token with the DVA’s DPoP-bound delegation token, the launch context and aud (step 11)', async () => {
    const key = await generateDpopKey();
    const reply = await delegated(key);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body).toMatchObject({ token_type: 'DPoP', aud: t.urls.dvaFhir, patient: 'pat-van-duinen', fhirContext: [{ reference: 'Task/task-2a' }] });
    expect(reply.body.expires_in).toBeGreaterThan(0);
    expect(reply.body.expires_in).toBeLessThanOrEqual(900);
    expect(reply.body.refresh_token).toBeUndefined();
    expect(reply.body.issued_token_type).toBeUndefined();
    expect(reply.body.return_url).toMatch(new RegExp(`^${t.urls.pgo}/launch_callback\\?task_id=task-2a&`));

    // step 10: RFC 8693 §4.1 act (the module, the PGO nested), RFC 9449 §6.1 cnf.jkt of the module's key
    const claims = await claimsOf(t, reply.body.access_token);
    expect(claims).toMatchObject({
      iss: t.urls.dvaAuth, aud: t.urls.dvaFhir, client_id: MODULE_2A, patient: 'pat-van-duinen',
      cnf: { jkt: key.jkt }, act: { sub: MODULE_2A, act: { sub: 'pgo-demo' } }, fhirContext: [{ reference: 'Task/task-2a' }],
    });
    expect(claims.scope?.split(' ').sort()).toEqual(['patient/*.read', 'patient/Observation.write', 'patient/Task.write']);
    expect(typeof claims.grant_id).toBe('string');
    const audit = (await t.dvaAuth.dva.audit.recent(5)).find((e) => e.type === 'token-exchange.delegation');
    expect(audit).toMatchObject({ client_id: 'pgo-demo', audience: MODULE_2A, act: [MODULE_2A, 'pgo-demo'], outcome: 'success' });

    // step 12: the module reads its Task at the DVA with a proof by its key
    const read = await fhirCall(t, reply.body.access_token, key, { path: 'Task/task-2a' });
    expect(read.status).toBe(200);
    expect(read.body.id).toBe('task-2a');
  });

  it('revokes the delegation when the module revokes it at the DVA (RFC 7009; decision I9)', async () => {
    const key = await generateDpopKey();
    const token = (await delegated(key)).body.access_token as string;
    const revoked = await post(t, '/revoke', { token, token_type_hint: 'access_token' }, { as: MODULE_2A });
    expect(revoked.status).toBe(200);
    const read = await fhirCall(t, token, key, { path: 'Task/task-2a' });
    expect(read.status).toBe(401);
    expect(read.headers.get('www-authenticate')).toContain('The access token has been revoked');
  });
});

describe('the PGO’s authorization server', () => {
  it('refuses a code grant without a DPoP proof: DPoP is mandatory (RFC 9449 §5.2 dpop_bound_access_tokens)', async () => {
    const key = await generateDpopKey();
    const { launch } = await launchOf();
    const auth = await pgoAuthorize(t, owner, MODULE_2A, launch);
    const reply = await pgoToken(t, MODULE_2A, auth, key, { dpop: null });
    expect(reply.status).toBe(400);
    expect(reply.body.error).toBe('invalid_grant'); // oidc-provider's answer: "DPoP proof JWT not provided"
    // the refusal was the missing proof's: the same code, with a proof, still works
    expect((await pgoToken(t, MODULE_2A, auth, key)).status).toBe(200);
  });

  it('refuses an assertion without cnf (docs/security-checklists.md §3 (10))', async () => {
    const key = await generateDpopKey();
    const { launch } = await launchOf();
    const auth = await pgoAuthorize(t, owner, MODULE_2A, launch);
    const assertion = await moduleAssertion(t, MODULE_2A, { audience: `${t.urls.pgo}/token`, jkt: null });
    const reply = await pgoToken(t, MODULE_2A, auth, key, { assertion });
    expect(reply.status).toBe(401);
    expect(reply.body.error).toBe('invalid_client');
  });

  it('refuses an assertion whose cnf.jkt is not the proof’s key (RFC 9449 §11.11)', async () => {
    const key = await generateDpopKey();
    const other = await generateDpopKey();
    const { launch } = await launchOf();
    const auth = await pgoAuthorize(t, owner, MODULE_2A, launch);
    const assertion = await moduleAssertion(t, MODULE_2A, { audience: `${t.urls.pgo}/token`, jkt: other.jkt });
    const reply = await pgoToken(t, MODULE_2A, auth, key, { assertion });
    expect(reply.status).toBe(401);
    expect(reply.body.error).toBe('invalid_client');
  });

  it('refuses the launch token of another module (docs/protocol.md §8 item 12)', async () => {
    const { launch } = await launchOf();
    const auth = await pgoAuthorize(t, owner, MODULE_2B, launch);
    expect(auth.error).toBe('invalid_request');
    expect(auth.code).toBeUndefined();
    // docs/decisions-protocol.md D8: a launch token in another module's hands was stolen, so it is burned for its own module too
    const own = await pgoAuthorize(t, owner, MODULE_2A, launch);
    expect(own.error).toBe('invalid_request');
    expect(own.code).toBeUndefined();
  });

  it('refuses openid: this authorization server identifies nobody (docs/protocol.md §3.3 "Issues")', async () => {
    const { launch } = await launchOf();
    const auth = await pgoAuthorize(t, owner, MODULE_2A, launch, { scope: `openid ${MODULE_SCOPE}` });
    expect(auth.error).toBe('invalid_scope');
  });

  it('refuses an aud other than the PGO FHIR base (SMART aud)', async () => {
    const { launch } = await launchOf();
    const auth = await pgoAuthorize(t, owner, MODULE_2A, launch, { aud: t.urls.dvaFhir });
    expect(auth.error).toBe('invalid_request');
  });

  it('refuses a launch in a browser without the PGO session, and the token is then burned for the owner too (D8)', async () => {
    const { launch } = await launchOf();
    const thief = await pgoAuthorize(t, new Browser(), MODULE_2A, launch);
    expect(thief.error).toBe('access_denied');
    expect(thief.code).toBeUndefined();
    const mine = await pgoAuthorize(t, owner, MODULE_2A, launch);
    expect(mine.error).toBe('invalid_request'); // docs/protocol.md §8 item 11 at the PGO: used
    expect(mine.code).toBeUndefined();
  });

  it('refuses a launch in another person’s PGO session (the correlation is the session)', async () => {
    const { launch } = await launchOf();
    const koos = new Browser();
    await loginAtPgo(t, koos, KOOS);
    const other = await pgoAuthorize(t, koos, MODULE_2A, launch);
    expect(other.error).toBe('access_denied');
    expect(other.code).toBeUndefined();
  });

  it('refuses a launch in another PGO session of the same person: the token is bound to the session, not only the person', async () => {
    const { launch } = await launchOf();
    const again = new Browser();
    await loginAtPgo(t, again, TOM);
    const other = await pgoAuthorize(t, again, MODULE_2A, launch);
    expect(other.error).toBe('access_denied');
    expect(other.code).toBeUndefined();
  });

  it('refuses a launch token used twice (D12)', async () => {
    const key = await generateDpopKey();
    const { launch } = await launchOf();
    const first = await pgoAuthorize(t, owner, MODULE_2A, launch);
    expect((await pgoToken(t, MODULE_2A, first, key)).status).toBe(200);
    const second = await pgoAuthorize(t, owner, MODULE_2A, launch);
    expect(second.error).toBe('invalid_request');
  });
});

describe('a stolen delegation token (docs/protocol.md §8 item 23)', () => {
  let token: string;
  beforeAll(async () => {
    token = (await delegated(await generateDpopKey())).body.access_token;
  });

  it('cannot be used without the key', async () => {
    const read = await fhirCall(t, token, await generateDpopKey(), { path: 'Task/task-2a' });
    expect(read.status).toBe(401);
    expect(read.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('cannot be exchanged by the PGO, in 2a, 2b or 3a: it is no collect token (docs/security-checklists.md §2 (5))', async () => {
    const key = await generateDpopKey();
    const asSubject2a = await forwardedExchange(t, token, await moduleAssertion(t, MODULE_2A, { audience: `${t.urls.pgo}/token`, jkt: key.jkt }));
    const asSubject2b = await temporaryTokenRequest(t, token);
    const asSubject3a = await post(t, '/token', {
      grant_type: GRANT_TYPE_TOKEN_EXCHANGE, subject_token: token, subject_token_type: TOKEN_TYPE.ACCESS_TOKEN,
      requested_token_type: TOKEN_TYPE.LAUNCH_CODE, audience: 'module-3a', resource: 'Task/task-3a',
    });
    for (const reply of [asSubject2a, asSubject2b, asSubject3a]) {
      expect(reply.status).toBe(400);
      expect(reply.body.error).toBe('invalid_request');
    }
  });
});

describe('the DVA side of 2a', () => {
  it('lets no module exchange by itself in 2a (docs/security-checklists.md §2 (2))', async () => {
    const key = await generateDpopKey();
    const collect = (await collectToken(t)).access_token;
    const reply = await post(t, '/token', {
      grant_type: GRANT_TYPE_TOKEN_EXCHANGE, subject_token: collect, subject_token_type: TOKEN_TYPE.ACCESS_TOKEN,
      actor_token: await moduleAssertion(t, MODULE_2A, { jkt: key.jkt }), actor_token_type: TOKEN_TYPE.JWT, resource: 'Task/task-2a',
    }, { as: MODULE_2A, dpop: key }); // the proof its registration demands (docs/decisions.md I100)
    expect(reply.status).toBe(400);
    expect(reply.body.error).toBe('unauthorized_client');
  });

  it('refuses a Task whose module is not the actor (decision I10)', async () => {
    const key = await generateDpopKey();
    const collect = (await collectToken(t)).access_token;
    const actor = await moduleAssertion(t, MODULE_2A, { audience: `${t.urls.pgo}/token`, jkt: key.jkt });
    const reply = await forwardedExchange(t, collect, actor, { resource: 'Task/task-2b' });
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ error: 'invalid_target', error_description: 'resource is not accessible' });
  });

  it('refuses another patient’s Task (docs/protocol.md §8 item 8)', async () => {
    const key = await generateDpopKey();
    const collect = (await collectToken(t)).access_token;
    const actor = await moduleAssertion(t, MODULE_2A, { audience: `${t.urls.pgo}/token`, jkt: key.jkt });
    const reply = await forwardedExchange(t, collect, actor, { resource: 'Task/task-de-groot' });
    expect(reply.status).toBe(400);
    expect(reply.body.error).toBe('invalid_target');
  });

  it('refuses an audience other than the DVA FHIR base (RFC 8693 §2.1; docs/security-checklists.md §2 (8))', async () => {
    const key = await generateDpopKey();
    const collect = (await collectToken(t)).access_token;
    const actor = await moduleAssertion(t, MODULE_2A, { audience: `${t.urls.pgo}/token`, jkt: key.jkt });
    const reply = await forwardedExchange(t, collect, actor, { audience: MODULE_2A });
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ error: 'invalid_target', error_description: 'audience is not allowed' });
  });

  it('never lets the delegation outlive the collect token (docs/security-checklists.md §2 (10))', async () => {
    const key = await generateDpopKey();
    const collect = (await collectToken(t)).access_token;
    travel(3600 - 100); // the collect token has about 100 s left
    const actor = await moduleAssertion(t, MODULE_2A, { audience: `${t.urls.pgo}/token`, jkt: key.jkt });
    const reply = await forwardedExchange(t, collect, actor);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body.expires_in).toBeLessThanOrEqual(100);
    expect(reply.body.expires_in).toBeGreaterThan(90);
  });

  it('refuses a scope beyond the module’s registration (docs/security-checklists.md §2 (9))', async () => {
    const key = await generateDpopKey();
    const collect = (await collectToken(t)).access_token;
    const actor = await moduleAssertion(t, MODULE_2A, { audience: `${t.urls.pgo}/token`, jkt: key.jkt });
    const reply = await forwardedExchange(t, collect, actor, { scope: 'patient/*.read patient/Patient.write' });
    expect(reply.status).toBe(400);
    expect(reply.body.error).toBe('invalid_scope');
  });
});
