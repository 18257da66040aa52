/**
 * The payloads of JWTs whose signature and claims were verified, per verification key, until
 * their `exp` (docs/decisions.md I116). A token presented again (the access token on every FHIR
 * call, the `subject_token` at each step of a launch) skips the signature; its time checks run
 * again on every use, and what a caller checks beyond the JWT (revocation, DPoP binding) is not
 * cached at all.
 */
import type { JWTPayload } from 'jose';
import { sha256b64url } from '../util/random.ts';
import { deepFreeze } from '../util/freeze.ts';
import { LruMap } from './lru.ts';

interface Entry {
  payload: JWTPayload;
  exp: number;
}

// Per key object (a KeyObject, CryptoKey or key resolver): a token verified with one key is never
// taken as verified with another. Bounded per key.
const byKey = new WeakMap<object, LruMap<string, Entry>>();
const CAPACITY = 10_000;

/**
 * The payload of `token`, verified before with `key` under the same `scope` (the options that
 * decided it, e.g. issuer and audience), while `now` lies before its `exp` and not before its `nbf`.
 */
export function verifiedPayload(key: object, scope: string, token: string, now: number): JWTPayload | undefined {
  const cache = byKey.get(key);
  const id = `${scope}\n${sha256b64url(token)}`;
  const entry = cache?.get(id);
  if (entry === undefined) return undefined;
  // RFC 7519 §4.1.4, §4.1.5 as jose checks them, again for this moment
  const { nbf } = entry.payload;
  if (now >= entry.exp || (typeof nbf === 'number' && nbf > now)) {
    cache!.delete(id);
    return undefined;
  }
  return entry.payload;
}

/** Remembers `payload` as the verified payload of `token`; only a token with a numeric `exp`. */
export function rememberVerified(key: object, scope: string, token: string, payload: JWTPayload): void {
  if (typeof payload.exp !== 'number') return;
  let cache = byKey.get(key);
  if (cache === undefined) byKey.set(key, (cache = new LruMap(CAPACITY)));
  // a cached payload is shared by every later caller: nobody may change it
  cache.set(`${scope}\n${sha256b64url(token)}`, { payload: deepFreeze(payload), exp: payload.exp });
}
