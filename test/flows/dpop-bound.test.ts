/**
 * RFC 9449 §5.2 `dpop_bound_access_tokens` per registration (docs/decisions.md I100): a client
 * whose registration sets it (or says nothing) gets no token without a DPoP proof, at the built-in
 * grants and at the DVA's custom token-exchange grant; one whose registration says `false` gets Bearer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRANT_TYPE_TOKEN_EXCHANGE, TOKEN_TYPE, generateDpopKey, randomToken } from '@koppelmij/core';
import { Browser } from '../support/browser.ts';
import { clientAssertion, collectToken, launchCode, moduleAuthorize, moduleToken, post, startProtocolStack, type ProtocolStack } from '../support/protocol.ts';
import { interopKeys, interopRegistrationsFile, publicJwks } from '../interop/support/registrations.ts';

let t: ProtocolStack;
let tom: string;
beforeAll(async () => {
  t = await startProtocolStack({ env: { REGISTRATIONS_FILE: interopRegistrationsFile({ jwks: publicJwks(await interopKeys()) }) } });
  tom = (await collectToken(t)).access_token;
});
afterAll(() => t?.close());

const missingProof = { status: 400, body: { error: 'invalid_dpop_proof', error_description: 'DPoP proof is missing' } };

describe('a registration with dpop_bound_access_tokens', () => {
  it('gets no token for its code without a proof; the code stays good for a request with one', async () => {
    const browser = new Browser();
    const authorization = await moduleAuthorize(t, browser, await launchCode(t, browser, tom));
    expect(await moduleToken(t, authorization)).toMatchObject(missingProof);
    const bound = await moduleToken(t, authorization, { dpop: await generateDpopKey() });
    expect(bound.status, JSON.stringify(bound.body)).toBe(200);
    expect(bound.body.token_type).toBe('DPoP');
  });

  it('is refused at the token-exchange grant without a proof, before the request is looked at', async () => {
    const form = {
      ...(await clientAssertion(t, 'pgo-dpop', t.keys.pgo)),
      grant_type: GRANT_TYPE_TOKEN_EXCHANGE, subject_token: randomToken(), subject_token_type: TOKEN_TYPE.ACCESS_TOKEN,
      requested_token_type: TOKEN_TYPE.LAUNCH_CODE, audience: 'module-3a', resource: 'Task/task-3a',
    };
    expect(await post(t, '/token', form, { as: false })).toMatchObject(missingProof);
    // with a proof the grant goes on, and refuses the made-up subject token
    const proven = await post(t, '/token', { ...form, ...(await clientAssertion(t, 'pgo-dpop', t.keys.pgo)) }, { as: false, dpop: await generateDpopKey() });
    expect(proven.status).toBe(400);
    expect(proven.body.error).not.toBe('invalid_dpop_proof');
  });
});

it('a registration that says dpop_bound_access_tokens false still gets a Bearer token (the demo PGO’s collect)', async () => {
  const token = await collectToken(t);
  expect((token as { token_type?: string }).token_type).toBe('Bearer');
});
