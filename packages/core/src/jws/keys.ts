/**
 * Public keys as `node:crypto` KeyObjects, imported once: an embedded JWK (a DPoP proof's `jwk`
 * header, RFC 9449 §4.2) by its RFC 7638 thumbprint in a bounded LRU, a CryptoKey or KeyObject by
 * identity (docs/decisions.md I115).
 */
import { createHash, createPublicKey, KeyObject, type JsonWebKey } from 'node:crypto';
import type { CryptoKey, JWK } from 'jose';
import { LruMap } from './lru.ts';

// RFC 7638 §3.2: the required members of each key type, in lexicographic order.
const THUMBPRINT_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'],
  RSA: ['e', 'kty', 'n'],
};

/**
 * RFC 7638 §3 SHA-256 thumbprint of an EC, OKP or RSA public JWK, base64url; undefined for
 * another `kty` or a required member that is not a string (jose then decides).
 */
export function jwkThumbprintSync(jwk: JWK): string | undefined {
  const members = typeof jwk.kty === 'string' ? THUMBPRINT_MEMBERS[jwk.kty] : undefined;
  if (members === undefined) return undefined;
  const required: Record<string, string> = {};
  for (const member of members) {
    const value = (jwk as Record<string, unknown>)[member];
    if (typeof value !== 'string') return undefined;
    required[member] = value;
  }
  // RFC 7638 §3.3: the members in order, no whitespace, UTF-8
  return createHash('sha256').update(JSON.stringify(required)).digest('base64url');
}

// A thumbprint names the key material exactly (its members are all that createPublicKey reads), so
// a key imported once serves every later proof of that key. Bounded: a flood of fresh keys evicts.
const embedded = new LruMap<string, KeyObject>(10_000);

/**
 * The KeyObject of an embedded public JWK whose thumbprint is `jkt`, imported on first use.
 * Only plain JWKs: `use` absent or `sig`, `alg` absent or `alg`, no `key_ops`, `ext` absent or a
 * boolean (jose's EmbeddedJWK rules); for anything else, or a JWK node:crypto cannot import, undefined.
 */
export function embeddedJwkKey(jwk: JWK, jkt: string, alg: string): KeyObject | undefined {
  if ((jwk.use !== undefined && jwk.use !== 'sig') || (jwk.alg !== undefined && jwk.alg !== alg)) return undefined;
  if (jwk.key_ops !== undefined || (jwk.ext !== undefined && typeof jwk.ext !== 'boolean')) return undefined;
  let key = embedded.get(jkt);
  if (key === undefined) {
    try {
      key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
    } catch {
      return undefined;
    }
    if (key.type !== 'public') return undefined;
    embedded.set(jkt, key);
  }
  return key;
}

const converted = new WeakMap<object, KeyObject>();

/**
 * `key` as a KeyObject (a CryptoKey converted once), or undefined for anything else, and for a
 * non-extractable CryptoKey that was not made by {@link nonExtractableKey}.
 */
export function keyObjectOf(key: unknown): KeyObject | undefined {
  if (key instanceof KeyObject) return key;
  if (typeof key !== 'object' || key === null || (key as { [Symbol.toStringTag]?: string })[Symbol.toStringTag] !== 'CryptoKey') return undefined;
  let keyObject = converted.get(key);
  if (keyObject === undefined) {
    // Node deprecates converting a non-extractable CryptoKey (DEP0204); jose signs with those
    if (!(key as CryptoKey).extractable) return undefined;
    keyObject = KeyObject.from(key as CryptoKey);
    converted.set(key, keyObject);
  }
  return keyObject;
}

/**
 * A non-extractable CryptoKey of the private `keyObject`, for APIs that hand out CryptoKeys (a
 * DPoP key, RFC 9449 §2); core itself signs with `keyObject` (docs/decisions.md I115).
 */
export function nonExtractableKey(keyObject: KeyObject, algorithm: Parameters<KeyObject['toCryptoKey']>[0], usages: Parameters<KeyObject['toCryptoKey']>[2]): CryptoKey {
  const cryptoKey = keyObject.toCryptoKey(algorithm, false, usages) as CryptoKey;
  converted.set(cryptoKey, keyObject);
  return cryptoKey;
}
