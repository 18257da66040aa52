/**
 * The module's session after W17 (docs/protocol.md §4.6 step 2, §4.7; §8 item 17): revocation of access
 * and refresh token together (RFC 7009), introspection of the JWT access token (RFC 7662), and
 * the maximum session. The test is the module `module-3a`, with DPoP (docs/decisions-protocol.md D9).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Browser } from '../support/browser.ts';
import {
  MODULE, TOM, collectToken, fhirGetDpop, launchCode, launchModule, post, startProtocolStack, travel, type ProtocolStack,
} from '../support/protocol.ts';

const SCOPE = 'launch openid fhirUser offline_access patient/*.read';

let t: ProtocolStack;
let tom: string;
beforeAll(async () => {
  t = await startProtocolStack();
  tom = (await collectToken(t, TOM)).access_token;
});
afterAll(() => t?.close());
afterEach(() => vi.useRealTimers());

/** A launched module-3a with access and refresh token, on `stack`. */
async function launched(stack = t, subjectToken = tom) {
  const { tokens, dpop } = await launchModule(stack, subjectToken, { scope: SCOPE });
  expect(tokens.body.refresh_token).toEqual(expect.any(String));
  const refresh = () => post(stack, '/token', { grant_type: 'refresh_token', refresh_token: tokens.body.refresh_token }, { as: MODULE, dpop });
  const read = () => fhirGetDpop(stack, 'Task/task-3a', tokens.body.access_token, dpop);
  return { tokens: tokens.body, dpop, refresh, read };
}
const revoke = (token: string, hint: string, stack = t) => post(stack, '/revoke', { token, token_type_hint: hint }, { as: MODULE });
const introspect = (token: string) => post(t, '/introspect', { token }, { as: MODULE });

describe('revocation (docs/protocol.md §4.6 step 2; RFC 7009)', () => {
  it('revoking the access token ends it and its refresh token', async () => {
    const session = await launched();
    expect((await session.read()).status).toBe(200);
    expect((await revoke(session.tokens.access_token, 'access_token')).status).toBe(200);
    expect((await session.read()).status).toBe(401);
    expect(await session.refresh()).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('revoking the refresh token ends it and the access token', async () => {
    const session = await launched();
    expect((await revoke(session.tokens.refresh_token, 'refresh_token')).status).toBe(200);
    expect(await session.refresh()).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect((await session.read()).status).toBe(401);
  });

  it('lets no other client revoke the module\'s token (RFC 7009 §2.1)', async () => {
    const session = await launched();
    await post(t, '/revoke', { token: session.tokens.access_token, token_type_hint: 'access_token' }); // as the PGO
    expect((await session.read()).status).toBe(200);
  });

  it('answers 200 for a token that is no token of this DVA (RFC 7009 §2.2)', async () => {
    expect((await revoke('not-a-token', 'access_token')).status).toBe(200);
  });
});

describe('introspection (RFC 7662)', () => {
  it('says active for a live JWT access token, with its binding, and not after revocation', async () => {
    const session = await launched();
    const live = await introspect(session.tokens.access_token);
    expect(live.status).toBe(200);
    expect(live.body).toMatchObject({ active: true, client_id: MODULE, token_type: 'DPoP', cnf: { jkt: session.dpop.jkt }, sub: t.dvaAuth.dva.patients.byBsn(TOM)?.sub });
    await revoke(session.tokens.access_token, 'access_token');
    expect(await introspect(session.tokens.access_token)).toMatchObject({ status: 200, body: { active: false } });
  });

  it("tells another client nothing about the module's token (RFC 7662 §4)", async () => {
    const session = await launched();
    expect(await post(t, '/introspect', { token: session.tokens.access_token })).toMatchObject({ status: 200, body: { active: false } }); // as the PGO
    expect((await introspect(session.tokens.access_token)).body).toMatchObject({ active: true });
  });

  it('says inactive for a launch code (docs/protocol.md §8 item 19: it is no access token)', async () => {
    const launch = await launchCode(t, new Browser(), tom);
    expect(await introspect(launch)).toMatchObject({ status: 200, body: { active: false } });
  });
});

describe('the maximum session (docs/protocol.md §4.7), with MAX_SESSION=5', () => {
  let limited: Awaited<ReturnType<typeof startProtocolStack>>;
  let subject: string;
  beforeAll(async () => {
    limited = await startProtocolStack({ serviceEnv: { dvaAuth: { MAX_SESSION: '5' } } });
    subject = (await collectToken(limited, TOM)).access_token;
  });
  afterAll(() => limited?.close());

  it('caps expires_in at the remaining session, also on refresh', async () => {
    const session = await launched(limited, subject);
    expect(session.tokens.expires_in).toBeLessThanOrEqual(5); // not ACCESS_TOKEN_TTL's 900
    travel(3);
    const renewed = await session.refresh();
    expect(renewed.status).toBe(200);
    expect(renewed.body.expires_in).toBeLessThanOrEqual(2);
  });

  it('refuses a refresh after the maximum session, and the access token is dead', async () => {
    const session = await launched(limited, subject);
    travel(6);
    expect(await session.refresh()).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect((await session.read()).status).toBe(401);
  });
});
