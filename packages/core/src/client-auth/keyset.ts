/**
 * Picking and importing a client's registered verification key (docs/security-checklists.md §3 (2), (3)).
 */
import { importJWK, type CryptoKey, type JSONWebKeySet, type JWK } from 'jose';
import { InvalidClient } from '../errors/index.ts';

// docs/decisions-protocol.md D4: a set in which one `kid` names two keys is unusable. Indexed once per set object.
const indexes = new WeakMap<object, ReadonlyMap<string, JWK> | 'duplicate-kid'>();
// Imported keys per registered JWK object and `alg` (RSA keys import differently for PS256 and RS384).
const imported = new WeakMap<JWK, Map<string, Promise<CryptoKey>>>();

/** True when `value` has the RFC 7517 §5 shape `{ "keys": [ {…}, … ] }`. */
export function isJwks(value: unknown): value is JSONWebKeySet {
  if (typeof value !== 'object' || value === null) return false;
  const { keys } = value as { keys?: unknown };
  return Array.isArray(keys) && keys.every((k) => typeof k === 'object' && k !== null && !Array.isArray(k));
}

/**
 * The keys of `jwks` by `kid`, or `undefined` when two keys share a `kid` (SMART; docs/decisions-protocol.md D4).
 * Keys without a `kid` can never be selected (docs/security-checklists.md §3 (2)) and are left out.
 */
export function indexByKid(jwks: JSONWebKeySet): ReadonlyMap<string, JWK> | undefined {
  let index = indexes.get(jwks);
  if (index === undefined) {
    const byKid = new Map<string, JWK>();
    let duplicate = false;
    for (const jwk of jwks.keys) {
      if (typeof jwk.kid !== 'string') continue;
      if (byKid.has(jwk.kid)) duplicate = true;
      byKid.set(jwk.kid, jwk);
    }
    index = duplicate ? 'duplicate-kid' : byKid;
    indexes.set(jwks, index);
  }
  return index === 'duplicate-kid' ? undefined : index;
}

/**
 * The one registered key named `kid`, imported for `alg`.
 *
 * @throws {@link InvalidClient} when `kid` names no key or more than one (docs/decisions-protocol.md D4), when the
 *   key is not a public signing key, or when it does not fit `alg` (docs/security-checklists.md §3 (2)).
 */
export async function verificationKey(jwks: JSONWebKeySet, kid: string, alg: string): Promise<CryptoKey> {
  if (!isJwks(jwks)) throw new InvalidClient('client keys are malformed');
  const index = indexByKid(jwks);
  if (index === undefined) throw new InvalidClient('client keys repeat a kid'); // docs/decisions-protocol.md D4
  const jwk = index.get(kid);
  if (jwk === undefined) throw new InvalidClient('client assertion key not found');
  // RFC 7517 §4.2–4.4 and §9.1: only a public signature key, declared for this `alg` if it declares one.
  const usable =
    (jwk.use === undefined || jwk.use === 'sig') &&
    (jwk.key_ops === undefined || (Array.isArray(jwk.key_ops) && jwk.key_ops.includes('verify'))) &&
    (jwk.alg === undefined || jwk.alg === alg) &&
    jwk.kty !== 'oct' &&
    jwk.d === undefined;
  if (!usable) throw new InvalidClient('client assertion key does not fit alg');
  let byAlg = imported.get(jwk);
  if (byAlg === undefined) imported.set(jwk, (byAlg = new Map()));
  let key = byAlg.get(alg);
  if (key === undefined) {
    // importJWK rejects a `kty`/`crv` that does not belong to `alg` (RFC 7518 §3.1).
    key = importJWK(jwk, alg).then((k) => {
      if (k instanceof Uint8Array || k.type !== 'public') throw new TypeError('not a public key');
      return k;
    });
    byAlg.set(alg, key);
    key.catch(() => byAlg.delete(alg));
  }
  try {
    return await key;
  } catch (cause) {
    throw new InvalidClient('client assertion key does not fit alg', { cause });
  }
}
