/**
 * DPoP proofs: creation, the RFC 7638 thumbprint, and RFC 9449 §4.3 checks (1)–(7)
 * (docs/security-checklists.md §1.1). Checks (8)–(12) and replay are in dpop-claims.test.ts.
 */
import {
  decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTHeaderParameters, type JWTPayload,
} from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDpopProof, DPOP_ERRORS, generateDpopKey, jwkThumbprint, verifyDpopProof, type DpopKey } from '../src/dpop/index.ts';
import { InvalidDpopProof } from '../src/errors/index.ts';
import { MemoryStore } from '../src/store/index.ts';
import { randomToken, sha256b64url, systemClock } from '../src/util/index.ts';

const HTU = 'https://as.example.nl/token';
let key: DpopKey;
let other: DpopKey;
const store = new MemoryStore();

beforeAll(async () => {
  key = await generateDpopKey();
  other = await generateDpopKey();
});

const verify = (input: string | string[] | undefined, extra: { algorithms?: string[]; context?: 'as' | 'rs' } = {}) =>
  verifyDpopProof(input, { htm: 'POST', htu: HTU, store, ...extra });

const header = (): JWTHeaderParameters => ({ typ: 'dpop+jwt', alg: 'ES256', jwk: key.publicJwk });
const claims = (): JWTPayload => ({ jti: randomToken(), htm: 'POST', htu: HTU, iat: systemClock() });
const craft = (h: JWTHeaderParameters, p: JWTPayload, signer: CryptoKey | Uint8Array = key.privateKey) =>
  new SignJWT(p).setProtectedHeader(h).sign(signer);
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

async function expectInvalid(promise: Promise<unknown>, description: string, status = 400) {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(InvalidDpopProof);
  expect(error).toMatchObject({ error: 'invalid_dpop_proof', error_description: description, status });
}

describe('generateDpopKey and createDpopProof', () => {
  it('RFC 7638 §3.1 example: the thumbprint of the RSA key', async () => {
    const jwk = {
      kty: 'RSA',
      n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
      e: 'AQAB',
      alg: 'RS256',
      kid: '2011-04-29',
    };
    expect(await jwkThumbprint(jwk)).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  });

  it('generates a public jwk, its thumbprint and a non-extractable private key', async () => {
    for (const alg of ['ES256', 'ES384', 'PS256', 'EdDSA', 'Ed25519'] as const) {
      const k = await generateDpopKey(alg);
      expect(k.alg).toBe(alg);
      expect(k.privateKey.extractable).toBe(false);
      expect(k.publicJwk).not.toHaveProperty('d');
      expect(k.jkt).toBe(await jwkThumbprint(k.publicJwk));
      const proof = await createDpopProof({ key: k, htm: 'POST', htu: HTU });
      expect((await verify(proof)).jkt).toBe(k.jkt);
    }
  });

  it('creates the §4.2 header and claims; htu without query and fragment; ath and nonce when given', async () => {
    const proof = await createDpopProof({ key, htm: 'GET', htu: 'https://rs.example.nl/fhir/Patient?x=1#f', accessToken: 'at', nonce: 'n-1' });
    expect(decodeProtectedHeader(proof)).toEqual({ typ: 'dpop+jwt', alg: 'ES256', jwk: key.publicJwk });
    const payload = decodeJwt(proof);
    expect(payload).toMatchObject({ htm: 'GET', htu: 'https://rs.example.nl/fhir/Patient', ath: sha256b64url('at'), nonce: 'n-1' });
    expect(payload.jti).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Math.abs((payload.iat ?? 0) - systemClock())).toBeLessThanOrEqual(5);
    expect(decodeJwt(await createDpopProof({ key, htm: 'GET', htu: HTU }))).not.toHaveProperty('ath');
  });

  it('a valid proof verifies and yields jkt, jti, iat, htm, htu and the public jwk', async () => {
    const proof = await createDpopProof({ key, htm: 'POST', htu: HTU, jti: 'jti-happy', iat: systemClock() });
    const result = await verify([proof]);
    expect(result).toMatchObject({ jkt: key.jkt, jti: 'jti-happy', htm: 'POST', htu: HTU, publicJwk: key.publicJwk });
    expect(result).not.toHaveProperty('nonce');
  });
});

describe('RFC 9449 §4.3 checks (1)–(7)', () => {
  it('(1) two DPoP header fields are rejected', async () => {
    const a = await createDpopProof({ key, htm: 'POST', htu: HTU });
    const b = await createDpopProof({ key, htm: 'POST', htu: HTU });
    await expectInvalid(verify([a, b]), DPOP_ERRORS.multiple);
  });

  it('(1) a comma-joined value (two folded fields) is rejected', async () => {
    const a = await createDpopProof({ key, htm: 'POST', htu: HTU });
    const b = await createDpopProof({ key, htm: 'POST', htu: HTU });
    await expectInvalid(verify(`${a}, ${b}`), DPOP_ERRORS.multiple);
  });

  it('a missing header is rejected', async () => {
    await expectInvalid(verify(undefined), DPOP_ERRORS.missing);
    await expectInvalid(verify([]), DPOP_ERRORS.missing);
  });

  it('(2) a value that is not a compact JWS is rejected', async () => {
    await expectInvalid(verify('not-a-jwt'), DPOP_ERRORS.malformed);
    await expectInvalid(verify('abc.def.ghi'), DPOP_ERRORS.malformed);
  });

  it('(2) a five-part (JWE-shaped) value whose header looks right is not a JWS', async () => {
    const [h, p, s] = (await createDpopProof({ key, htm: 'POST', htu: HTU })).split('.');
    await expectInvalid(verify(`${h}.${p}.${s}.${s}.${s}`), DPOP_ERRORS.malformed);
  });

  it('(3) a header without jwk is rejected', async () => {
    await expectInvalid(verify(await craft({ typ: 'dpop+jwt', alg: 'ES256' }, claims())), DPOP_ERRORS.missingHeader);
  });

  it('(3) a header without typ is rejected', async () => {
    await expectInvalid(verify(await craft({ alg: 'ES256', jwk: key.publicJwk }, claims())), DPOP_ERRORS.missingHeader);
  });

  for (const claim of ['jti', 'htm', 'htu', 'iat'] as const) {
    it(`(3) a proof without ${claim} is rejected`, async () => {
      const payload = claims();
      delete payload[claim];
      await expectInvalid(verify(await craft(header(), payload)), DPOP_ERRORS.missingClaim);
    });
  }

  it('(3) a claim of the wrong type is rejected', async () => {
    await expectInvalid(verify(await craft(header(), { ...claims(), nonce: 7 })), DPOP_ERRORS.missingClaim);
  });

  it('(4) typ other than dpop+jwt is rejected (JWT, application/dpop+jwt)', async () => {
    await expectInvalid(verify(await craft({ ...header(), typ: 'JWT' }, claims())), DPOP_ERRORS.typ);
    await expectInvalid(verify(await craft({ ...header(), typ: 'application/dpop+jwt' }, claims())), DPOP_ERRORS.typ);
  });

  it('(5) alg none is rejected', async () => {
    const unsigned = `${b64({ ...header(), alg: 'none' })}.${b64(claims())}.AAAA`;
    await expectInvalid(verify(unsigned), DPOP_ERRORS.alg);
  });

  it('(5) a MAC (HS256) with a jwk in the header is rejected', async () => {
    const proof = await craft({ ...header(), alg: 'HS256' }, claims(), new Uint8Array(32).fill(7));
    await expectInvalid(verify(proof), DPOP_ERRORS.alg);
  });

  it('(5) an asymmetric alg outside the local policy is rejected', async () => {
    const proof = await createDpopProof({ key, htm: 'POST', htu: HTU });
    await expectInvalid(verify(proof, { algorithms: ['PS256'] }), DPOP_ERRORS.alg);
  });

  it('(5) a policy admitting none or HS256 is a configuration error', async () => {
    const proof = await createDpopProof({ key, htm: 'POST', htu: HTU });
    await expect(verify(proof, { algorithms: ['ES256', 'HS256'] })).rejects.toBeInstanceOf(TypeError);
    await expect(verify(proof, { algorithms: ['none'] })).rejects.toBeInstanceOf(TypeError);
  });

  it('(6) a proof signed by another key than its jwk is rejected', async () => {
    await expectInvalid(verify(await craft(header(), claims(), other.privateKey)), DPOP_ERRORS.signature);
  });

  it('(7) a private key (d) in jwk is rejected', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const privateJwk = await exportJWK(privateKey);
    expect(privateJwk).toHaveProperty('d');
    await expectInvalid(verify(await craft({ ...header(), jwk: privateJwk }, claims(), privateKey)), DPOP_ERRORS.privateKey);
  });

  it('(7) a symmetric key (kty=oct) in jwk is rejected', async () => {
    await expectInvalid(verify(await craft({ ...header(), jwk: { kty: 'oct' } }, claims())), DPOP_ERRORS.privateKey);
  });

  it('a jwk that is no valid public key, or a claim jose refuses (exp passed), is rejected', async () => {
    const badPoint = { ...key.publicJwk, x: key.publicJwk.y, y: key.publicJwk.x };
    await expectInvalid(verify(await craft({ ...header(), jwk: badPoint }, claims())), DPOP_ERRORS.invalid);
    await expectInvalid(verify(await craft(header(), { ...claims(), exp: systemClock() - 1 })), DPOP_ERRORS.invalid);
  });

  it('at a resource server (context rs) the status is 401', async () => {
    await expectInvalid(verify('not-a-jwt', { context: 'rs' }), DPOP_ERRORS.malformed, 401);
  });
});
