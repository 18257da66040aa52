/**
 * The resource-server side of DPoP (RFC 9449 §6, §7; docs/security-checklists.md §1.3).
 */
import { randomBytes } from 'node:crypto';
import { generateKeyPair, type CryptoKey } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { signJwtAccessToken, verifyJwtAccessToken, type AccessTokenClaims } from '../src/access-token/index.ts';
import {
  createDpopProof, dpopChallenge, DPOP_ERRORS, DpopNonces, generateDpopKey, MissingCredentials, verifyResourceRequest,
  type DpopKey, type ResourceRequest, type VerifyResourceRequestOptions,
} from '../src/dpop/index.ts';
import { InvalidDpopProof, InvalidRequest, InvalidToken, UseDpopNonce, type OAuthError } from '../src/errors/index.ts';
import { MemoryStore } from '../src/store/index.ts';
import { randomToken, systemClock } from '../src/util/index.ts';

const issuer = 'https://auth.dva.example.nl';
const audience = 'https://fhir.dva.example.nl';
const RESOURCE_URL = `${audience}/fhir/Patient/123`;
let asKey: { privateKey: CryptoKey; publicKey: CryptoKey };
let key: DpopKey;
let other: DpopKey;

beforeAll(async () => {
  asKey = await generateKeyPair('ES256');
  key = await generateDpopKey();
  other = await generateDpopKey();
});

const accessToken = (extra: Partial<AccessTokenClaims> = {}) => {
  const now = systemClock();
  const claims = { iss: issuer, sub: 'pseudonym-1', aud: audience, exp: now + 300, iat: now, jti: randomToken(), client_id: 'module', scope: 'patient/*.rs', ...extra };
  return signJwtAccessToken(claims, { privateKey: asKey.privateKey, alg: 'ES256', kid: 'as-1' });
};
const bound = () => accessToken({ cnf: { jkt: key.jkt } });
const proof = (token: string, signer = key) => createDpopProof({ key: signer, htm: 'GET', htu: RESOURCE_URL, accessToken: token });
const options = (extra: Partial<VerifyResourceRequestOptions> = {}): VerifyResourceRequestOptions => ({
  verifyAccessToken: (t) => verifyJwtAccessToken(t, { key: asKey.publicKey, issuer, audience }),
  store: new MemoryStore(),
  ...extra,
});
const request = (authorization: ResourceRequest['authorization'], dpop?: ResourceRequest['dpop']): ResourceRequest => ({ method: 'GET', url: RESOURCE_URL, authorization, dpop });

async function expectError(promise: Promise<unknown>, cls: new (...args: never[]) => OAuthError, shape: Partial<OAuthError>) {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(cls);
  expect(error).toMatchObject(shape);
  return error as OAuthError;
}

describe('verifyResourceRequest: accepted', () => {
  it('a DPoP-bound token with the DPoP scheme and a valid proof (scheme name case-insensitive)', async () => {
    const token = await bound();
    const result = await verifyResourceRequest(request(`DPoP ${token}`, await proof(token)), options());
    expect(result).toMatchObject({ token, scheme: 'DPoP', claims: { sub: 'pseudonym-1', cnf: { jkt: key.jkt } }, proof: { jkt: key.jkt } });
    const again = await bound();
    await expect(verifyResourceRequest(request(`dpop ${again}`, await proof(again)), options())).resolves.toMatchObject({ scheme: 'DPoP' });
  });

  it('an unbound token with the Bearer scheme', async () => {
    const token = await accessToken();
    const result = await verifyResourceRequest(request([`Bearer ${token}`]), options());
    expect(result).toMatchObject({ token, scheme: 'Bearer', claims: { client_id: 'module' } });
    expect(result.proof).toBeUndefined();
  });
});

describe('verifyResourceRequest: rejected', () => {
  it('§1.3 (5): a DPoP-bound token presented as Bearer (downgrade)', async () => {
    const token = await bound();
    await expectError(verifyResourceRequest(request(`Bearer ${token}`, await proof(token)), options()), InvalidToken, { error: 'invalid_token', status: 401 });
  });

  it('§1.3 (2): a DPoP-bound token without a DPoP header', async () => {
    await expectError(verifyResourceRequest(request(`DPoP ${await bound()}`), options()), InvalidDpopProof, {
      error: 'invalid_dpop_proof', error_description: DPOP_ERRORS.missing, status: 401,
    });
  });

  it('§1.3 (2), (12a): a proof for another access token', async () => {
    const token = await bound();
    await expectError(verifyResourceRequest(request(`DPoP ${token}`, await proof(await bound())), options()), InvalidDpopProof, {
      error: 'invalid_dpop_proof', error_description: DPOP_ERRORS.ath, status: 401,
    });
  });

  it('§1.3 (4), (12b): a valid proof by another key than the bound one', async () => {
    const token = await bound();
    await expectError(verifyResourceRequest(request(`DPoP ${token}`, await proof(token, other)), options()), InvalidToken, {
      error: 'invalid_token', error_description: DPOP_ERRORS.binding, status: 401,
    });
  });

  it('the DPoP scheme with an unbound token', async () => {
    const token = await accessToken();
    await expectError(verifyResourceRequest(request(`DPoP ${token}`, await proof(token)), options()), InvalidToken, { error: 'invalid_token', status: 401 });
  });

  it('§1.3 (1): two Authorization headers, or two credentials folded into one', async () => {
    const token = await bound();
    const dpop = await proof(token);
    const shape = { error: 'invalid_request', error_description: 'Only one Authorization header is allowed', status: 400 } as const;
    await expectError(verifyResourceRequest(request([`DPoP ${token}`, `Bearer ${token}`], dpop), options()), InvalidRequest, shape);
    await expectError(verifyResourceRequest(request(`DPoP ${token}, Bearer ${token}`, dpop), options()), InvalidRequest, shape);
  });

  it('§1.3 (1): a malformed Authorization value', async () => {
    await expectError(verifyResourceRequest(request('DPoP'), options()), InvalidRequest, { error: 'invalid_request' });
    await expectError(verifyResourceRequest(request('Bearer a b'), options()), InvalidRequest, { error: 'invalid_request' });
  });

  it('docs/decisions-protocol.md D9: requireDpop rejects an unbound Bearer token', async () => {
    await expectError(verifyResourceRequest(request(`Bearer ${await accessToken()}`), options({ requireDpop: true })), InvalidToken, { error: 'invalid_token', status: 401 });
  });

  it('a confirmation this server cannot check (x5t#S256) is not downgraded to Bearer', async () => {
    const token = await accessToken({ cnf: { 'x5t#S256': 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2' } });
    await expectError(verifyResourceRequest(request(`Bearer ${token}`), options()), InvalidToken, { error: 'invalid_token' });
  });

  it('§1.3 (4), RFC 9449 §6.2: an introspected token_type other than DPoP for a bound token', async () => {
    const token = await bound();
    const introspected = options({ verifyAccessToken: async () => ({ ...(await options().verifyAccessToken(token)), token_type: 'Bearer' }) });
    await expectError(verifyResourceRequest(request(`DPoP ${token}`, await proof(token)), introspected), InvalidToken, { error: 'invalid_token' });
  });

  it('§1.3 (3): an invalid access token (wrong audience)', async () => {
    const token = await accessToken({ aud: 'https://other-rs.example.nl' });
    await expectError(verifyResourceRequest(request(`Bearer ${token}`), options()), InvalidToken, { error: 'invalid_token', status: 401 });
  });

  it('RFC 9449 §9: a resource-server nonce is required when configured (401 use_dpop_nonce)', async () => {
    const nonces = new DpopNonces({ secret: randomBytes(32) });
    const token = await bound();
    const error = await expectError(verifyResourceRequest(request(`DPoP ${token}`, await proof(token)), options({ nonces })), UseDpopNonce, {
      error: 'use_dpop_nonce', status: 401, dpopNonce: nonces.current(),
    });
    expect(dpopChallenge(error, { algs: ['ES256'] })).toMatch(/^DPoP error="use_dpop_nonce", error_description="[^"]+", algs="ES256"$/);
  });
});

describe('no credentials and challenges (RFC 6750 §3, RFC 9449 §7.1)', () => {
  it('no Authorization header, or another scheme, is MissingCredentials with a bare challenge', async () => {
    for (const authorization of [undefined, [], '', 'Basic dXNlcjpwdw==']) {
      const error = await expectError(verifyResourceRequest(request(authorization), options()), MissingCredentials, { error: 'invalid_token', status: 401 });
      expect((error as MissingCredentials).credentialsPresented).toBe(false);
      expect(dpopChallenge(error, { algs: ['ES256', 'EdDSA'] })).toBe('DPoP algs="ES256 EdDSA"');
    }
  });

  it('the bare challenge without an error, with a realm', () => {
    expect(dpopChallenge(undefined, { algs: ['ES256', 'PS256'], realm: 'fhir' })).toBe('DPoP realm="fhir", algs="ES256 PS256"');
  });

  it('with presented credentials the challenge carries error and error_description', () => {
    expect(dpopChallenge(new InvalidToken('The access token expired'), { algs: ['ES256', 'EdDSA'] })).toBe(
      'DPoP error="invalid_token", error_description="The access token expired", algs="ES256 EdDSA"',
    );
  });
});
