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
  const { type, options, algorithm } = KEY_TYPES[alg];
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
  return { privateKey: nonExtractableKey(privateKey, KEY_TYPES[alg].algorithm, ['sign']), publicJwk, alg, jkt: await jwkThumbprint(publicJwk) };
}

const generateKeyPairAsync = promisify(generateKeyPair);

// The key pair of each alg as jose's generateKeyPair makes it (RSA: 2048 bits, e = 65537).
const KEY_TYPES: Record<DpopAlgorithm, { type: string; options: object; algorithm: Parameters<KeyObject['toCryptoKey']>[0] }> = {
  ES256: { type: 'ec', options: { namedCurve: 'P-256' }, algorithm: { name: 'ECDSA', namedCurve: 'P-256' } },
  ES384: { type: 'ec', options: { namedCurve: 'P-384' }, algorithm: { name: 'ECDSA', namedCurve: 'P-384' } },
  PS256: { type: 'rsa', options: { modulusLength: 2048, publicExponent: 0x10001 }, algorithm: { name: 'RSA-PSS', hash: 'SHA-256' } },
  EdDSA: { type: 'ed25519', options: {}, algorithm: { name: 'Ed25519' } },
  Ed25519: { type: 'ed25519', options: {}, algorithm: { name: 'Ed25519' } },
};

/** RFC 7638 §3 SHA-256 JWK thumbprint, base64url (RFC 9449 §6.1 `jkt`). */
export async function jwkThumbprint(jwk: JWK): Promise<string> {
  return jwkThumbprintSync(jwk) ?? calculateJwkThumbprint(jwk, 'sha256');
}
