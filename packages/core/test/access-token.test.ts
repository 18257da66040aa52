/**
 * JWT access tokens (RFC 9068 §4 validation).
 */
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { ACCESS_TOKEN_ERRORS, signJwtAccessToken, verifyJwtAccessToken, type AccessTokenClaims } from '../src/access-token/index.ts';
import { InvalidToken } from '../src/errors/index.ts';

const issuer = 'https://auth.dva.example.nl';
const audience = 'https://fhir.dva.example.nl';
const T = 1_750_000_000;
let as: { privateKey: CryptoKey; publicKey: CryptoKey };
let stranger: { privateKey: CryptoKey; publicKey: CryptoKey };

beforeAll(async () => {
  as = await generateKeyPair('ES256');
  stranger = await generateKeyPair('ES256');
});

const claims = (extra: Partial<AccessTokenClaims> = {}): AccessTokenClaims => ({
  iss: issuer, sub: 'pseudonym-1', aud: audience, exp: T + 300, iat: T, jti: 'at-1', client_id: 'module', scope: 'patient/*.rs', ...extra,
});
const sign = (c: JWTPayload, typ = 'at+jwt', key = as.privateKey) =>
  new SignJWT(c).setProtectedHeader({ alg: 'ES256', typ, kid: 'as-1' }).sign(key);
const verify = (token: string, at = T) => verifyJwtAccessToken(token, { key: as.publicKey, issuer, audience, clock: () => at });

async function expectInvalid(promise: Promise<unknown>, description: string = ACCESS_TOKEN_ERRORS.invalid) {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(InvalidToken);
  expect(error).toMatchObject({ error: 'invalid_token', error_description: description, status: 401 });
}

describe('verifyJwtAccessToken', () => {
  it('accepts a valid token and returns its claims, extensions included', async () => {
    const token = await signJwtAccessToken(
      claims({ aud: ['https://other.example.nl', audience], cnf: { jkt: 'x'.repeat(43) }, act: { sub: 'pgo' }, patient: '123' }),
      { privateKey: as.privateKey, alg: 'ES256', kid: 'as-1' },
    );
    await expect(verify(token)).resolves.toMatchObject({ sub: 'pseudonym-1', client_id: 'module', cnf: { jkt: 'x'.repeat(43) }, act: { sub: 'pgo' }, patient: '123' });
  });

  it('resolves the key through a JWKS (JWTVerifyGetKey)', async () => {
    const jwks = createLocalJWKSet({ keys: [{ ...(await exportJWK(as.publicKey)), kid: 'as-1', alg: 'ES256' }] });
    await expect(verifyJwtAccessToken(await sign(claims()), { key: jwks, issuer, audience, clock: () => T })).resolves.toMatchObject({ jti: 'at-1' });
  });

  it('RFC 9068 §4: rejects typ JWT (e.g. an ID Token)', async () => {
    await expectInvalid(verify(await sign(claims(), 'JWT')));
  });

  it('RFC 9068 §4: rejects another issuer', async () => {
    await expectInvalid(verify(await sign(claims({ iss: 'https://evil.example' }))));
  });

  it('RFC 9068 §4: rejects another audience', async () => {
    await expectInvalid(verify(await sign(claims({ aud: 'https://other.example.nl' }))));
    await expectInvalid(verify(await sign(claims({ aud: ['https://other.example.nl'] }))));
  });

  it('RFC 9068 §4: rejects an expired token with "expired"', async () => {
    await expectInvalid(verify(await sign(claims()), T + 300), ACCESS_TOKEN_ERRORS.expired);
  });

  it('rejects a token before its nbf', async () => {
    await expectInvalid(verify(await sign(claims({ nbf: T + 10 }))));
  });

  it('RFC 9068 §2.2: rejects a token without exp', async () => {
    const { exp: _exp, ...noExp } = claims();
    await expectInvalid(verify(await sign(noExp)));
  });

  it('RFC 9068 §2.2: rejects a token without client_id, or with a non-string client_id', async () => {
    const { client_id: _c, ...noClient } = claims();
    await expectInvalid(verify(await sign(noClient)));
    await expectInvalid(verify(await sign({ ...(claims() as JWTPayload), client_id: 42 })));
  });

  it('rejects a signature by another key', async () => {
    await expectInvalid(verify(await sign(claims(), 'at+jwt', stranger.privateKey)));
  });

  it('docs/decisions-protocol.md D2: rejects an algorithm outside the allow-list, and refuses to allow HS256', async () => {
    const token = await sign(claims());
    await expectInvalid(verifyJwtAccessToken(token, { key: as.publicKey, issuer, audience, clock: () => T, algorithms: ['PS256'] }));
    await expect(verifyJwtAccessToken(token, { key: as.publicKey, issuer, audience, algorithms: ['HS256'] })).rejects.toBeInstanceOf(TypeError);
  });

  it('rejects garbage', async () => {
    await expectInvalid(verify('not.a.token'));
  });
});
