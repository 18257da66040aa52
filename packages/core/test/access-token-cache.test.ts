/**
 * The verified-token cache behind verifyJwtAccessToken (docs/decisions.md I116): a token verified
 * once is taken again only with the same key and options, and never after its exp.
 */
import { generateKeyPair, type CryptoKey } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { ACCESS_TOKEN_ERRORS, signJwtAccessToken, verifyJwtAccessToken } from '../src/access-token/index.ts';
import { InvalidToken } from '../src/errors/index.ts';

const issuer = 'https://auth.dva.example.nl';
const audience = 'https://fhir.dva.example.nl';
const T = 1_760_000_000;
let as: { privateKey: CryptoKey; publicKey: CryptoKey };
let stranger: { privateKey: CryptoKey; publicKey: CryptoKey };
let token: string;

beforeAll(async () => {
  as = await generateKeyPair('ES256');
  stranger = await generateKeyPair('ES256');
  token = await signJwtAccessToken(
    { iss: issuer, sub: 'p', aud: audience, exp: T + 300, nbf: T - 10, iat: T - 10, jti: 'cached-1', client_id: 'module', fhirContext: [{ reference: 'Task/1' }] },
    { privateKey: as.privateKey, alg: 'ES256' },
  );
});

const verify = (at: number, options: { key?: CryptoKey; audience?: string; issuer?: string } = {}) =>
  verifyJwtAccessToken(token, { key: options.key ?? as.publicKey, issuer: options.issuer ?? issuer, audience: options.audience ?? audience, clock: () => at });

async function expectInvalid(promise: Promise<unknown>, description: string) {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(InvalidToken);
  expect(error).toMatchObject({ error: 'invalid_token', error_description: description, status: 401 });
}

describe('verifyJwtAccessToken: a token verified before', () => {
  it('is taken again, frozen, within its exp', async () => {
    const first = await verify(T);
    expect(await verify(T + 299)).toBe(first);
    expect(Object.isFrozen(first.fhirContext)).toBe(true);
  });

  it('expires at its exp as an unseen token would (RFC 7519 §4.1.4)', async () => {
    await verify(T);
    await expectInvalid(verify(T + 300), ACCESS_TOKEN_ERRORS.expired);
  });

  it('is not valid before its nbf, even when seen later (RFC 7519 §4.1.5)', async () => {
    await verify(T);
    await expectInvalid(verify(T - 11), ACCESS_TOKEN_ERRORS.invalid);
  });

  it('counts for the key and options that verified it only', async () => {
    await verify(T);
    await expectInvalid(verify(T, { key: stranger.publicKey }), ACCESS_TOKEN_ERRORS.invalid);
    await expectInvalid(verify(T, { audience: 'https://other-rs.example.nl' }), ACCESS_TOKEN_ERRORS.invalid);
    await expectInvalid(verify(T, { issuer: 'https://other-as.example.nl' }), ACCESS_TOKEN_ERRORS.invalid);
  });
});
