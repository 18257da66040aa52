/**
 * Constants of RFC 7523 client authentication and the signature-algorithm policy of docs/decisions-protocol.md D2.
 */

/** RFC 7523 §2.2: the `client_assertion_type` of a JWT client assertion. */
export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** The `alg` values a client assertion may use under docs/decisions-protocol.md D2 (`Ed25519` is the RFC 9864 name of EdDSA). */
export type ClientAssertionAlgorithm = 'ES256' | 'ES384' | 'PS256' | 'EdDSA' | 'Ed25519' | 'RS384';

/** `default` accepts every algorithm of docs/decisions-protocol.md D2; `strict` is the FAPI 2.0 set (§5.4). */
export type ClientAuthProfile = 'default' | 'strict';

/** docs/decisions-protocol.md D2: interop by default; RS384 because SMART App Launch requires it of servers. */
export const DEFAULT_CLIENT_ASSERTION_ALGORITHMS: readonly ClientAssertionAlgorithm[] = Object.freeze([
  'ES256',
  'ES384',
  'PS256',
  'EdDSA',
  'Ed25519',
  'RS384',
]);

/** docs/decisions-protocol.md D2: the `strict` profile drops RS384 and ES384. */
export const STRICT_CLIENT_ASSERTION_ALGORITHMS: readonly ClientAssertionAlgorithm[] = Object.freeze(
  DEFAULT_CLIENT_ASSERTION_ALGORITHMS.filter((alg) => alg !== 'RS384' && alg !== 'ES384'),
);

// Asymmetric JWS algorithms (RFC 7518 §3.1, RFC 8037, RFC 9864): the only ones a caller may add.
const ASYMMETRIC = new Set([
  'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519',
]);

/**
 * The `alg` allow-list for one verification: `algorithms` when given, else the profile's set;
 * the `strict` profile removes RS384 and ES384 from either (docs/decisions-protocol.md D2).
 *
 * @throws TypeError when `algorithms` names `none`, an HMAC or any other non-asymmetric
 *   algorithm: a client's registered public key can never verify those (docs/security-checklists.md §3 (2)).
 */
export function allowedAlgorithms(profile: ClientAuthProfile = 'default', algorithms?: readonly string[]): readonly string[] {
  if (algorithms) {
    const bad = algorithms.find((alg) => !ASYMMETRIC.has(alg));
    if (bad !== undefined) throw new TypeError(`client assertions use asymmetric algorithms only, not "${bad}"`);
  }
  const base = algorithms ?? DEFAULT_CLIENT_ASSERTION_ALGORITHMS;
  return profile === 'strict' ? base.filter((alg) => alg !== 'RS384' && alg !== 'ES384') : base;
}
