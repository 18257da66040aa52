import { createPrivateKey, generateKeyPair, type JsonWebKey, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { calculateJwkThumbprint, type CryptoKey, type JWK } from 'jose';
import { jwkThumbprintSync, nonExtractableKey } from '../jws/keys.ts';
import type { DpopAlgorithm } from './algorithms.ts';

/** A client's DPoP key pair (RFC 9449 §2): the private key never leaves the client. */
export interface DpopKey {
  /** Non-extractable signing key. */
  readonly privateKey: CryptoKey;
  /** The public key as sent in the proof's `jwk` header (RFC 9449 §4.2). */
  readonly publicJwk: JWK;
  readonly alg: DpopAlgorithm;
  /** RFC 7638 SHA-256 thumbprint of `publicJwk`: the `cnf.jkt` a bound token carries (RFC 9449 §6.1). */
  readonly jkt: string;
}

/**
 * Generates a fresh DPoP key pair for `alg` (default ES256) with a non-extractable private key.
 */
export async function generateDpopKey(alg: DpopAlgorithm = 'ES256'): Promise<DpopKey> {
  const keyType = KEY_TYPES[alg];
  if (keyType === undefined) throw new TypeError(`"${alg}" is not an asymmetric signature algorithm`);
  const { type, options, algorithm } = keyType;
  const { privateKey, publicKey } = (await generateKeyPairAsync(type as 'ec', options as { namedCurve: string })) as { privateKey: KeyObject; publicKey: KeyObject };
  const { kty, crv, x, y, n, e } = publicKey.export({ format: 'jwk' });
  const publicJwk = JSON.parse(JSON.stringify({ kty, crv, x, y, n, e })) as JWK; // the members present, in a fixed order
  // the private key stays a non-extractable CryptoKey for callers; core signs with its KeyObject (docs/decisions.md I115)
  return { privateKey: nonExtractableKey(privateKey, algorithm, ['sign']), publicJwk, alg, jkt: await jwkThumbprint(publicJwk) };
}

/**
 * The {@link DpopKey} of a stored private JWK (a client that keeps its DPoP key server-side across
 * requests). The private key is handed out as a non-extractable CryptoKey.
 */
export async function dpopKeyFromJwk(privateJwk: JWK, alg: DpopAlgorithm): Promise<DpopKey> {
  const privateKey = createPrivateKey({ key: privateJwk as JsonWebKey, format: 'jwk' });
  const { kty, crv, x, y, n, e } = privateJwk;
  const publicJwk = JSON.parse(JSON.stringify({ kty, crv, x, y, n, e })) as JWK;
  const keyType = KEY_TYPES[alg];
  if (keyType === undefined) throw new TypeError(`"${alg}" is not an asymmetric signature algorithm`);
  return { privateKey: nonExtractableKey(privateKey, keyType.algorithm, ['sign']), publicJwk, alg, jkt: await jwkThumbprint(publicJwk) };
}

const generateKeyPairAsync = promisify(generateKeyPair);

// The key pair of each alg as jose's generateKeyPair makes it (RSA: 2048 bits, e = 65537). Beyond
// DPOP_ALGORITHMS, the other registered asymmetric algorithms too: a client (or a test) may be
// configured with one, and the server's allow-list decides (RFC 9449 §4.3 (5)).
const rsa = (name: 'RSA-PSS' | 'RSASSA-PKCS1-v1_5', hash: string) => ({ type: 'rsa', options: { modulusLength: 2048, publicExponent: 0x10001 }, algorithm: { name, hash } });
const KEY_TYPES: Record<string, { type: string; options: object; algorithm: Parameters<KeyObject['toCryptoKey']>[0] }> = {
  ES256: { type: 'ec', options: { namedCurve: 'P-256' }, algorithm: { name: 'ECDSA', namedCurve: 'P-256' } },
  ES384: { type: 'ec', options: { namedCurve: 'P-384' }, algorithm: { name: 'ECDSA', namedCurve: 'P-384' } },
  ES512: { type: 'ec', options: { namedCurve: 'P-521' }, algorithm: { name: 'ECDSA', namedCurve: 'P-521' } },
  PS256: rsa('RSA-PSS', 'SHA-256'),
  PS384: rsa('RSA-PSS', 'SHA-384'),
  PS512: rsa('RSA-PSS', 'SHA-512'),
  RS256: rsa('RSASSA-PKCS1-v1_5', 'SHA-256'),
  RS384: rsa('RSASSA-PKCS1-v1_5', 'SHA-384'),
  RS512: rsa('RSASSA-PKCS1-v1_5', 'SHA-512'),
  EdDSA: { type: 'ed25519', options: {}, algorithm: { name: 'Ed25519' } },
  Ed25519: { type: 'ed25519', options: {}, algorithm: { name: 'Ed25519' } },
};

/** RFC 7638 §3 SHA-256 JWK thumbprint, base64url (RFC 9449 §6.1 `jkt`). */
export async function jwkThumbprint(jwk: JWK): Promise<string> {
  return jwkThumbprintSync(jwk) ?? calculateJwkThumbprint(jwk, 'sha256');
}
