/**
 * The node:crypto signature path (docs/decisions.md I115) against RFC vectors and against jose
 * itself: for every input, the fast path either leaves the decision to jose (undefined) or reaches
 * jose's verdict.
 */
import { generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { errors, exportJWK, generateKeyPair, jwtVerify, SignJWT, type CryptoKey, type JWK, type JWTHeaderParameters, type JWTPayload } from 'jose';
import { describe, expect, it } from 'vitest';
import { generateDpopKey, verifyDpopProof } from '../src/dpop/index.ts';
import { protectedHeaderOf } from '../src/jws/header.ts';
import { derSignature } from '../src/jws/node-signature.ts';
import { signJwt } from '../src/jws/sign.ts';
import { jwtVerifyFast, verifyCompactFast, type FastJwtOptions } from '../src/jws/compact.ts';
import { embeddedJwkKey, jwkThumbprintSync, keyObjectOf } from '../src/jws/keys.ts';
import { MemoryStore } from '../src/store/index.ts';

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** A JWS signed with node:crypto directly, for headers and keys jose would not sign with. */
const rawSign = (header: object, payload: object, key: KeyObject, hash: string) => {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${sign(hash, Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
};

describe('RFC test vectors', () => {
  it('RFC 7515 A.3: the ES256 example verifies; a changed payload does not', () => {
    const jwk = { kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' };
    const jws = 'eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q';
    expect(keyObjectOf(jwk)).toBeUndefined(); // a JWK is no KeyObject: jose imports it
    const ec = embeddedJwkKey(jwk, jwkThumbprintSync(jwk)!, 'ES256')!;
    expect(verifyCompactFast(jws, ec, ['ES256'])?.protectedHeader).toEqual({ alg: 'ES256' });
    const [h, , s] = jws.split('.');
    expect(() => verifyCompactFast(`${h}.${b64({ iss: 'joe' })}.${s}`, ec, ['ES256'])).toThrow(errors.JWSSignatureVerificationFailed);
  });

  it('RFC 8037 A.4: the Ed25519 example verifies under EdDSA', () => {
    const jwk = { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' };
    const jws = 'eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg';
    const key = embeddedJwkKey(jwk, jwkThumbprintSync(jwk)!, 'EdDSA')!;
    expect(verifyCompactFast(jws, key, ['EdDSA'])?.payload.toString()).toBe('Example of Ed25519 signing');
    expect(verifyCompactFast(jws, key, ['ES256'])).toBeUndefined(); // not allowed: jose decides
  });

  it('RFC 9449 §4.2 and §6.1: the example proof verifies at its moment, and its jkt is the example cnf', async () => {
    const proof = 'eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6IkVDIiwieCI6Imw4dEZyaHgtMzR0VjNoUklDUkRZOXpDa0RscEJoRjQyVVFVZldWQVdCRnMiLCJ5IjoiOVZFNGpmX09rX282NHpiVFRsY3VOSmFqSG10NnY5VERWclUwQ2R2R1JEQSIsImNydiI6IlAtMjU2In19.eyJqdGkiOiItQndDM0VTYzZhY2MybFRjIiwiaHRtIjoiUE9TVCIsImh0dSI6Imh0dHBzOi8vc2VydmVyLmV4YW1wbGUuY29tL3Rva2VuIiwiaWF0IjoxNTYyMjYyNjE2fQ.2-GxA6T8lP4vfrg8v-FdWP0A0zdrj8igiMLvqRMUvwnQg4PtFLbdLXiOSsX0x7NVY-FNyJK70nfbV37xRZT3Lg';
    const verified = await verifyDpopProof(proof, { htm: 'POST', htu: 'https://server.example.com/token', store: new MemoryStore(), clock: () => 1562262616 });
    expect(verified.jkt).toBe('0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I');
  });

  it('RFC 7638 §3.1: the thumbprint of the example RSA key', () => {
    const jwk = {
      kty: 'RSA', e: 'AQAB', alg: 'RS256', kid: '2011-04-29',
      n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
    };
    expect(jwkThumbprintSync(jwk)).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
    expect(jwkThumbprintSync({ kty: 'oct', k: 'AAAA' })).toBeUndefined();
    expect(jwkThumbprintSync({ kty: 'EC', crv: 'P-256', x: 'AAAA' })).toBeUndefined();
  });
});

const T = 1_750_000_000;
const ISS = 'https://as.example.nl';
const AUD = 'https://rs.example.nl';
const OPTIONS = { typ: 'at+jwt', issuer: ISS, audience: AUD, requiredClaims: ['iss', 'exp', 'aud', 'sub', 'iat'], currentDate: new Date(T * 1000) } satisfies FastJwtOptions;
const good = (): JWTPayload => ({ iss: ISS, aud: AUD, sub: 's', iat: T, exp: T + 60 });

/** jose's verdict and the fast path's on one input: the fast path decides as jose or not at all. */
async function expectSameVerdict(jwt: string, key: CryptoKey, options: FastJwtOptions, fastDecides: boolean) {
  const jose = await jwtVerify(jwt, key, { ...options, algorithms: options.algorithms && [...options.algorithms], requiredClaims: options.requiredClaims && [...options.requiredClaims] })
    .then((r) => ({ ok: r.payload }), (e: unknown) => ({ error: e }));
  let fast: { ok: JWTPayload } | { error: unknown } | undefined;
  try {
    const result = jwtVerifyFast(jwt, keyObjectOf(key)!, options);
    fast = result && { ok: result.payload };
  } catch (error) {
    fast = { error };
  }
  if (!fastDecides) {
    expect(fast).toBeUndefined();
    return;
  }
  expect(fast).toBeDefined();
  if ('ok' in jose) expect(fast).toEqual(jose);
  else expect((fast as { error: unknown }).error).toBeInstanceOf((jose.error as object).constructor);
}

describe('jwtVerifyFast reaches jose\'s verdict for every algorithm of the allow-lists', () => {
  for (const alg of ['ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'RS256', 'RS384', 'EdDSA', 'Ed25519'] as const) {
    it(`${alg}: a valid JWT passes, a tampered one fails on its signature`, async () => {
      const { privateKey, publicKey } = await generateKeyPair(alg);
      const jwt = await new SignJWT(good()).setProtectedHeader({ alg, typ: 'at+jwt' }).sign(privateKey);
      await expectSameVerdict(jwt, publicKey, OPTIONS, true);
      const [h, p, s] = jwt.split('.');
      await expectSameVerdict(`${h}.${b64({ ...good(), sub: 'other' })}.${s}`, publicKey, OPTIONS, true);
      // a signature of the wrong length
      await expectSameVerdict(`${h}.${p}.${s!.slice(0, -4)}`, publicKey, OPTIONS, true);
    });
  }
});

describe('jwtVerifyFast leaves jose every other decision', () => {
  const cases: Array<[string, JWTHeaderParameters, JWTPayload, FastJwtOptions?]> = [
    ['exp passed', { alg: 'ES256', typ: 'at+jwt' }, { ...good(), exp: T }],
    ['exp not a number', { alg: 'ES256', typ: 'at+jwt' }, { ...good(), exp: String(T + 60) as never }],
    ['nbf in the future', { alg: 'ES256', typ: 'at+jwt' }, { ...good(), nbf: T + 1 }],
    ['iat not a number', { alg: 'ES256', typ: 'at+jwt' }, { ...good(), iat: 'now' as never }],
    ['another issuer', { alg: 'ES256', typ: 'at+jwt' }, { ...good(), iss: 'https://evil.example' }],
    ['another audience', { alg: 'ES256', typ: 'at+jwt' }, { ...good(), aud: ['https://other.example'] }],
    ['a required claim missing', { alg: 'ES256', typ: 'at+jwt' }, { iss: ISS, aud: AUD, exp: T + 60, iat: T }],
    ['another typ', { alg: 'ES256', typ: 'JWT' }, good()],
    ['no typ', { alg: 'ES256' }, good()],
    ['an alg outside the options', { alg: 'ES256', typ: 'at+jwt' }, good(), { ...OPTIONS, algorithms: ['PS256'] }],
  ];
  for (const [name, header, payload, options] of cases) {
    it(`${name}: jose decides`, async () => {
      const { privateKey, publicKey } = await generateKeyPair('ES256');
      const jwt = await new SignJWT(payload).setProtectedHeader(header).sign(privateKey);
      await expectSameVerdict(jwt, publicKey, options ?? OPTIONS, false);
    });
  }

  it('a crit header: jose decides', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwt = rawSign({ alg: 'ES256', typ: 'at+jwt', crit: ['exp'], exp: 1 }, good(), privateKey, 'sha256');
    expect(jwtVerifyFast(jwt, publicKey, OPTIONS)).toBeUndefined();
    await expect(jwtVerify(jwt, publicKey, { currentDate: new Date(T * 1000) })).rejects.toThrow(/not recognized/);
  });

  it('accepts what jose accepts: aud array holding the audience, application/at+jwt, nbf now', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwt = await new SignJWT({ ...good(), aud: ['x', AUD], nbf: T }).setProtectedHeader({ alg: 'ES256', typ: 'application/AT+JWT' }).sign(privateKey);
    await expectSameVerdict(jwt, publicKey, OPTIONS, true);
  });

  it('a key of another curve or type than alg, or an RSA key under 2048 bits, is jose\'s to refuse', async () => {
    const p384 = await generateKeyPair('ES384');
    const jwt = await new SignJWT(good()).setProtectedHeader({ alg: 'ES384', typ: 'at+jwt' }).sign(p384.privateKey);
    const [, p, s] = jwt.split('.');
    const relabelled = `${b64({ alg: 'ES256', typ: 'at+jwt' })}.${p}.${s}`;
    expect(jwtVerifyFast(relabelled, keyObjectOf(p384.publicKey)!, OPTIONS)).toBeUndefined();
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const weak = rawSign({ alg: 'RS256', typ: 'at+jwt' }, good(), small.privateKey, 'sha256');
    expect(jwtVerifyFast(weak, small.publicKey, OPTIONS)).toBeUndefined();
    await expect(jwtVerify(weak, small.publicKey, { currentDate: new Date(T * 1000) })).rejects.toThrow(/2048/);
  });

  it('a payload that is no JSON object, or a segment that is no base64url, is jose\'s to refuse', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwt = await new SignJWT(good()).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt' }).sign(privateKey);
    const [h, p, s] = jwt.split('.');
    expect(jwtVerifyFast(`${h}.${p}.${s}=`, keyObjectOf(publicKey)!, OPTIONS)).toBeUndefined();
    expect(jwtVerifyFast(`${h}.${p}`, keyObjectOf(publicKey)!, OPTIONS)).toBeUndefined();
    expect(verifyCompactFast(`${b64(['ES256'])}.${p}.${s}`, keyObjectOf(publicKey)!)).toBeUndefined();
  });
});

describe('derSignature (ECDSA R || S to DER)', () => {
  for (const [curve, hash] of [['P-256', 'sha256'], ['P-384', 'sha384'], ['P-521', 'sha512']] as const) {
    it(`${curve}: 300 signatures verify in DER form (leading zeros, high bits, P-521's long form); a changed one does not`, () => {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
      for (let i = 0; i < 300; i++) {
        const data = Buffer.from(`message ${i}`);
        const p1363 = sign(hash, data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
        expect(verify(hash, data, publicKey, derSignature(p1363))).toBe(true);
        const changed = Buffer.from(p1363);
        changed[changed.length - 1]! ^= 1;
        expect(verify(hash, data, publicKey, derSignature(changed))).toBe(false);
      }
      const zero = Buffer.alloc(curve === 'P-256' ? 64 : curve === 'P-384' ? 96 : 132);
      expect(verify(hash, Buffer.from('x'), publicKey, derSignature(zero))).toBe(false);
    });
  }
});

describe('signJwt', () => {
  for (const alg of ['ES256', 'ES384', 'ES512', 'PS256', 'RS256', 'RS384', 'EdDSA', 'Ed25519'] as const) {
    it(`${alg}: a JWT signed by node:crypto verifies with jose`, async () => {
      const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
      const jwt = await signJwt({ alg, typ: 'at+jwt', kid: 'k' }, good(), privateKey);
      expect((await jwtVerify(jwt, publicKey, OPTIONS)).payload).toEqual(good());
    });
  }

  it('a DPoP key stays a non-extractable CryptoKey, and a non-extractable key of jose\'s is signed by jose', async () => {
    const key = await generateDpopKey('ES256');
    expect(key.privateKey.extractable).toBe(false);
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    expect(keyObjectOf(privateKey)).toBeUndefined();
    const jwt = await signJwt({ alg: 'ES256', typ: 'at+jwt' }, good(), privateKey);
    expect((await jwtVerify(jwt, publicKey, OPTIONS)).payload).toEqual(good());
  });
});

describe('protectedHeaderOf', () => {
  it('decodes with jose once per header segment, frozen; a malformed header fails every time', () => {
    const header = b64({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' } });
    const first = protectedHeaderOf(`${header}.e30.sig`);
    expect(protectedHeaderOf(`${header}.eyJhIjoxfQ.other`)).toBe(first);
    expect(Object.isFrozen(first.jwk)).toBe(true);
    for (let i = 0; i < 2; i++) expect(() => protectedHeaderOf(`${b64(['not', 'an', 'object'])}.e30.sig`)).toThrow(TypeError);
  });
});

describe('embeddedJwkKey (DPoP jwk header)', () => {
  it('imports a plain public JWK once and refuses what jose\'s EmbeddedJWK would not take plainly', async () => {
    const { publicKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk: JWK = await exportJWK(publicKey);
    const jkt = jwkThumbprintSync(jwk)!;
    const first = embeddedJwkKey(jwk, jkt, 'ES256');
    expect(first?.type).toBe('public');
    expect(embeddedJwkKey({ ...jwk }, jkt, 'ES256')).toBe(first);
    expect(embeddedJwkKey({ ...jwk, use: 'enc' }, jkt, 'ES256')).toBeUndefined();
    expect(embeddedJwkKey({ ...jwk, alg: 'ES384' }, jkt, 'ES256')).toBeUndefined();
    expect(embeddedJwkKey({ ...jwk, key_ops: ['verify'] }, jkt, 'ES256')).toBeUndefined();
    const offCurve = { ...jwk, x: jwk.y, y: jwk.x };
    expect(embeddedJwkKey(offCurve, jwkThumbprintSync(offCurve)!, 'ES256')).toBeUndefined();
  });
});
