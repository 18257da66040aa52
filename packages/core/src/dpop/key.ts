import { calculateJwkThumbprint, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { jwkThumbprintSync } from '../jws/keys.ts';
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
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: false });
  const publicJwk = await exportJWK(publicKey);
  return { privateKey, publicJwk, alg, jkt: await jwkThumbprint(publicJwk) };
}

/** RFC 7638 §3 SHA-256 JWK thumbprint, base64url (RFC 9449 §6.1 `jkt`). */
export async function jwkThumbprint(jwk: JWK): Promise<string> {
  return jwkThumbprintSync(jwk) ?? calculateJwkThumbprint(jwk, 'sha256');
}
