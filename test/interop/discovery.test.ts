/**
 * One source for discovery (docs/decisions.md I102): the DVA's `openid-configuration`, its RFC 8414
 * `oauth-authorization-server` and the FHIR base's `smart-configuration` agree, and every value
 * they advertise is accepted while an unadvertised one is refused: client-assertion algorithms
 * (docs/decisions-protocol.md D2, I101), DPoP proof algorithms at the authorization and the resource server
 * (RFC 9449 §5.1), and RS256 id_tokens beside ES256 (I103).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_ASSERTION_TYPE, createClientAssertion, createDpopProof, generateDpopKey, randomToken, type ClientAssertionAlgorithm, type DpopAlgorithm, type DpopKey } from '@koppelmij/core';
import { loadSigningKey, type SigningKey } from '@koppelmij/service-kit';
import { Browser } from '../support/browser.ts';
import { collectToken, fhirGetDpop, launchCode, moduleAuthorize, moduleToken, post, startProtocolStack, type ProtocolStack } from '../support/protocol.ts';
import { interopKeys, interopRegistrationsFile, publicJwks } from './support/registrations.ts';

/** Registered beside the advertised ones, never advertised: each must be refused. */
const UNADVERTISED = ['ES512', 'RS256'] as const;

let t: ProtocolStack;
let tom: string;
let documents: Record<'openid' | 'oauth' | 'smart', Record<string, unknown>>;
const keys = new Map<string, SigningKey>();

beforeAll(async () => {
  for (const alg of ['ES256', 'ES384', 'PS256', 'RS384', 'EdDSA', 'Ed25519', ...UNADVERTISED]) keys.set(alg, await loadSigningKey(undefined, alg));
  // without `alg` (RFC 7517 §4.4 optional): the server, not the key, decides which algorithms count
  const file = interopRegistrationsFile({ jwks: { ...publicJwks(await interopKeys()), assertions: [...keys.values()].map(({ publicJwk: { alg: _alg, ...jwk } }) => jwk) } });
  t = await startProtocolStack({ env: { REGISTRATIONS_FILE: file } });
  const get = async (url: string) => (await (await fetch(url)).json()) as Record<string, unknown>;
  documents = {
    openid: await get(`${t.urls.dvaAuth}/.well-known/openid-configuration`),
    oauth: await get(`${t.urls.dvaAuth}/.well-known/oauth-authorization-server`),
    smart: await get(`${t.urls.dvaFhir}/.well-known/smart-configuration`),
  };
  tom = (await collectToken(t)).access_token;
});
afterAll(() => t?.close());

const advertised = (member: string) => documents.smart[member] as string[];

describe('the three documents', () => {
  it('serve RFC 8414 metadata at the issuer (RFC 8414 §3)', () => {
    expect(documents.oauth.issuer).toBe(t.urls.dvaAuth);
    expect(documents.oauth.token_endpoint).toBe(`${t.urls.dvaAuth}/token`);
  });

  it.each([
    'issuer', 'jwks_uri', 'authorization_endpoint', 'token_endpoint', 'introspection_endpoint', 'revocation_endpoint',
    'pushed_authorization_request_endpoint', 'token_endpoint_auth_methods_supported', 'token_endpoint_auth_signing_alg_values_supported',
    'dpop_signing_alg_values_supported', 'code_challenge_methods_supported', 'response_types_supported',
  ])('agree on %s', (member) => {
    expect(documents.smart[member], member).toBeDefined();
    expect(documents.openid[member]).toEqual(documents.smart[member]);
    expect(documents.oauth[member]).toEqual(documents.smart[member]);
  });

  it('advertise `none` and client-public because public registrations exist (docs/decisions.md I104)', () => {
    expect(advertised('token_endpoint_auth_methods_supported')).toEqual(['private_key_jwt', 'client_secret_basic', 'none']);
    expect(advertised('capabilities')).toEqual(expect.arrayContaining(['client-public', 'client-confidential-symmetric', 'client-confidential-asymmetric']));
  });

  it('agree on the grant types', () => {
    const sorted = (v: unknown) => [...(v as string[])].sort();
    expect(sorted(documents.openid.grant_types_supported)).toEqual(sorted(documents.smart.grant_types_supported));
    expect(sorted(documents.oauth.grant_types_supported)).toEqual(sorted(documents.smart.grant_types_supported));
  });

  it('advertise RS256 id_tokens, and the JWKS has the RSA key for them (SMART sso-openid-connect)', async () => {
    expect([...(documents.openid.id_token_signing_alg_values_supported as string[])].sort()).toEqual(['ES256', 'RS256']);
    const jwks = (await (await fetch(String(documents.openid.jwks_uri))).json()) as { keys: Array<{ kty: string; alg?: string }> };
    expect(jwks.keys).toContainEqual(expect.objectContaining({ kty: 'RSA', alg: 'RS256' }));
  });
});

describe('client assertions (RFC 7523 §2.2)', () => {
  /** A revocation request authenticated as `clientId` with the key of `alg`: 200 once the client is authenticated (RFC 7009 §2.2). */
  async function revokeAs(clientId: string, alg: string) {
    const key = keys.get(alg)!;
    const assertion = await createClientAssertion({ clientId, audience: t.urls.dvaAuth, privateKey: key.privateKey, alg: alg as ClientAssertionAlgorithm, kid: key.kid });
    return post(t, '/revoke', { client_id: clientId, client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: assertion, token: randomToken() }, { as: false });
  }

  it('accepts every advertised algorithm', async () => {
    expect(advertised('token_endpoint_auth_signing_alg_values_supported')).toEqual(expect.arrayContaining(['ES384', 'RS384'])); // SMART: servers SHALL
    for (const alg of advertised('token_endpoint_auth_signing_alg_values_supported')) {
      expect((await revokeAs('interop-assertions', alg)).status, alg).toBe(200);
    }
  });

  it.each(UNADVERTISED)('refuses %s, which is not advertised', async (alg) => {
    expect(await revokeAs('interop-assertions', alg)).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
  });

  it('refuses another algorithm than the one a registration names (token_endpoint_auth_signing_alg)', async () => {
    expect((await revokeAs('interop-es256-only', 'ES256')).status).toBe(200);
    expect(await revokeAs('interop-es256-only', 'ES384')).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
  });
});

describe('DPoP proofs (RFC 9449 §4.3 (5))', () => {
  /** A 3a launch of module-3a whose token request proves `key`. */
  async function launchWith(key: DpopKey) {
    const browser = new Browser();
    const authorization = await moduleAuthorize(t, browser, await launchCode(t, browser, tom));
    return moduleToken(t, authorization, { dpop: key });
  }

  it('accepts every advertised algorithm at the authorization server and the resource server', async () => {
    for (const alg of advertised('dpop_signing_alg_values_supported')) {
      const key = await generateDpopKey(alg as DpopAlgorithm);
      const tokens = await launchWith(key);
      expect(tokens.status, `${alg}: ${JSON.stringify(tokens.body)}`).toBe(200);
      expect(tokens.body.token_type).toBe('DPoP');
      const read = await fhirGetDpop(t, 'Task/task-3a', tokens.body.access_token, key);
      expect(read.status, `${alg} at the resource server`).toBe(200);
    }
  });

  it.each(UNADVERTISED)('refuses %s, which is not advertised, at the authorization server', async (alg) => {
    const tokens = await launchWith(await generateDpopKey(alg as DpopAlgorithm));
    expect(tokens).toMatchObject({ status: 400, body: { error: 'invalid_dpop_proof' } });
  });

  it.each(UNADVERTISED)('refuses %s, which is not advertised, at the resource server', async (alg) => {
    const tokens = await launchWith(await generateDpopKey());
    const url = `${t.urls.dvaFhir}/Task/task-3a`;
    const proof = await createDpopProof({ key: await generateDpopKey(alg as DpopAlgorithm), htm: 'GET', htu: url, accessToken: tokens.body.access_token });
    const response = await fetch(url, { headers: { authorization: `DPoP ${tokens.body.access_token}`, dpop: proof } });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/error="invalid_dpop_proof"/);
  });
});

describe('the PGO’s authorization server of options 2a/2b', () => {
  it('serves RFC 8414 metadata that agrees with the smart-configuration of its FHIR base', async () => {
    const oauth = (await (await fetch(`${t.urls.pgo}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
    const smart = (await (await fetch(`${t.urls.pgo}/fhir/.well-known/smart-configuration`)).json()) as Record<string, unknown>;
    expect(oauth.issuer).toBe(t.urls.pgo);
    for (const member of ['issuer', 'authorization_endpoint', 'token_endpoint', 'token_endpoint_auth_methods_supported', 'token_endpoint_auth_signing_alg_values_supported', 'dpop_signing_alg_values_supported']) {
      expect(oauth[member], member).toEqual(smart[member]);
    }
  });
});
