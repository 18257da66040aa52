/**
 * The module's side of options 2a and 2b (src/delegation.ts; docs/option-2a-2b.md): which
 * answers of the PGO it accepts, and the 2b exchange it sends to the DVA. The runtime is a stub:
 * discovery answers from a table, and every outgoing request is recorded.
 */
import { describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { DpopClient, TOKEN_TYPE, generateDpopKey, type DpopKey } from '@koppelmij/core';
import { loadSigningKey } from '@koppelmij/service-kit';
import { loadModuleConfig } from '../src/config.ts';
import { DelegationError, delegatedTokens } from '../src/delegation.ts';
import type { SmartMetadata } from '../src/discovery.ts';
import { loadRegistrations, type ModuleRegistration } from '../src/registrations.ts';
import type { ModuleRuntime } from '../src/runtime.ts';
import type { TokenResponse } from '../src/smart-client.ts';

const config = loadModuleConfig({});
const registrations = loadRegistrations(config.registrationsPath, config.placeholders, config.publicUrl);
const registration = (clientId: string): ModuleRegistration => registrations.find((r) => r.clientId === clientId)!;

const PGO_FHIR = 'http://pgo.localhost:4000/fhir';
const DVA_FHIR = 'http://fhir.localhost:4200/fhir';
const DVA_TOKEN = 'http://dva.localhost:4100/token';
const smartOf: Record<string, SmartMetadata> = {
  [PGO_FHIR]: { authorization_endpoint: 'http://pgo.localhost:4000/authorize', token_endpoint: 'http://pgo.localhost:4000/token' },
  [DVA_FHIR]: { authorization_endpoint: 'http://dva.localhost:4100/authorize', token_endpoint: DVA_TOKEN, revocation_endpoint: 'http://dva.localhost:4100/revoke' },
};
const launch = { iss: PGO_FHIR, smart: smartOf[PGO_FHIR]! };

interface Sent {
  url: string;
  body: URLSearchParams;
  dpop: string | null;
}

/** A runtime whose token endpoint answers `answer` and records what it is sent. */
async function stub(answer: Record<string, unknown> = { access_token: 'delegation', token_type: 'DPoP', expires_in: 900 }) {
  const sent: Sent[] = [];
  const signingKey = await loadSigningKey();
  const fetch = (async (url: string, init: RequestInit) => {
    sent.push({ url: String(url), body: new URLSearchParams(String(init.body)), dpop: new Headers(init.headers).get('dpop') });
    return new Response(JSON.stringify(answer), { status: 200, headers: { 'content-type': 'application/json' } });
  }) as typeof globalThis.fetch;
  const runtime = {
    config: { ...config, trustedIssuers: [DVA_FHIR, PGO_FHIR] },
    discovery: { smartConfiguration: async (iss: string) => smartOf[iss]! },
    asClient: (r: ModuleRegistration, smart: SmartMetadata, key: DpopKey) => ({ fetch, smart, registration: r, signingKey, dpop: new DpopClient({ key, fetch }) }),
  } as unknown as ModuleRuntime;
  return { runtime, sent };
}

const pgoAnswer2a = (overrides: Record<string, unknown> = {}): TokenResponse => ({ access_token: 'delegation', token_type: 'DPoP', expires_in: 900, aud: DVA_FHIR, ...overrides });
const pgoAnswer2b = (overrides: Record<string, unknown> = {}): TokenResponse => ({
  access_token: 'temporary', token_type: 'N_A', expires_in: 300, token_exchange_endpoint: DVA_TOKEN, resource_server: DVA_FHIR, ...overrides,
});

describe('option 3a', () => {
  it('keeps the answer as it is: the launch iss is the FHIR server', async () => {
    const { runtime, sent } = await stub();
    const answer: TokenResponse = { access_token: 'a', token_type: 'DPoP' };
    expect(await delegatedTokens(runtime, registration('module-3a'), answer, launch, await generateDpopKey())).toEqual({ tokens: answer, fhirBase: PGO_FHIR, smart: launch.smart });
    expect(sent).toEqual([]);
  });
});

describe('option 2a (docs/protocol.md §3.3 steps 11–12)', () => {
  it('uses the token at the FHIR server its aud names, with that server’s metadata for revocation', async () => {
    const { runtime } = await stub();
    const result = await delegatedTokens(runtime, registration('module-2a'), pgoAnswer2a(), launch, await generateDpopKey());
    expect(result.fhirBase).toBe(DVA_FHIR);
    expect(result.smart).toBe(smartOf[DVA_FHIR]);
  });

  it.each([
    ['no aud', { aud: undefined }],
    ['an aud the module has no registration with (docs/protocol.md §8 item 29)', { aud: 'https://evil.example/fhir' }],
    ['the PGO’s own FHIR base as aud', { aud: PGO_FHIR }],
  ])('refuses %s', async (_name, overrides) => {
    const { runtime } = await stub();
    await expect(delegatedTokens(runtime, registration('module-2a'), pgoAnswer2a(overrides), launch, await generateDpopKey())).rejects.toBeInstanceOf(DelegationError);
  });

  it('refuses a token that is not DPoP-bound (DPoP is mandatory)', async () => {
    const { runtime } = await stub();
    await expect(delegatedTokens(runtime, registration('module-2a'), pgoAnswer2a({ token_type: 'Bearer' }), launch, await generateDpopKey())).rejects.toThrow('not DPoP-bound');
  });
});

describe('option 2b (docs/protocol.md §3.4 steps 10–13)', () => {
  it('exchanges the temporary token at the DVA with its own assertion as actor_token, cnf.jkt and a DPoP proof', async () => {
    const { runtime, sent } = await stub();
    const key = await generateDpopKey();
    const result = await delegatedTokens(runtime, registration('module-2b'), pgoAnswer2b(), launch, key);
    expect(result).toMatchObject({ fhirBase: DVA_FHIR, tokens: { access_token: 'delegation', token_type: 'DPoP' } });
    expect(sent).toHaveLength(1);
    const [request] = sent;
    expect(request!.url).toBe(DVA_TOKEN);
    expect(request!.dpop).not.toBeNull();
    expect(Object.fromEntries(request!.body)).toMatchObject({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token: 'temporary',
      subject_token_type: TOKEN_TYPE.TEMPORARY_EXCHANGE_TOKEN,
      actor_token_type: TOKEN_TYPE.JWT,
      requested_token_type: TOKEN_TYPE.ACCESS_TOKEN,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    });
    const actor = decodeJwt(request!.body.get('actor_token')!);
    expect(actor).toMatchObject({ iss: 'module-2b', sub: 'module-2b', aud: DVA_TOKEN, cnf: { jkt: key.jkt } });
    // the client assertion names the DPoP key as well (docs/security-checklists.md §3 (10))
    expect(decodeJwt(request!.body.get('client_assertion')!)).toMatchObject({ aud: DVA_TOKEN, cnf: { jkt: key.jkt } });
  });

  it('sends nothing to a token_exchange_endpoint that is not the resource server’s token endpoint', async () => {
    const { runtime, sent } = await stub();
    const answer = pgoAnswer2b({ token_exchange_endpoint: 'https://evil.example/token' });
    await expect(delegatedTokens(runtime, registration('module-2b'), answer, launch, await generateDpopKey())).rejects.toBeInstanceOf(DelegationError);
    expect(sent).toEqual([]);
  });

  it('sends nothing for a resource_server the module has no registration with (docs/protocol.md §8 item 29)', async () => {
    const { runtime, sent } = await stub();
    const answer = pgoAnswer2b({ resource_server: 'https://evil.example/fhir' });
    await expect(delegatedTokens(runtime, registration('module-2b'), answer, launch, await generateDpopKey())).rejects.toBeInstanceOf(DelegationError);
    expect(sent).toEqual([]);
  });

  it('refuses a delegation token that the DVA did not bind to the key', async () => {
    const { runtime } = await stub({ access_token: 'delegation', token_type: 'Bearer', expires_in: 900 });
    await expect(delegatedTokens(runtime, registration('module-2b'), pgoAnswer2b(), launch, await generateDpopKey())).rejects.toThrow('not DPoP-bound');
  });
});
