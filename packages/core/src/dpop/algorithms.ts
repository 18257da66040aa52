/**
 * JWS algorithms for DPoP proofs.
 *
 * RFC 9449 §4.3 (5): the `alg` is a registered asymmetric digital signature algorithm, not `none`,
 * supported by the application and acceptable per local policy. §11.6: MAC algorithms and `none`
 * MUST NOT be allowed.
 */

/** The proof algorithms this project issues and accepts (FAPI 2.0 §5.4.1 plus ES384; docs/decisions-protocol.md D2). */
export type DpopAlgorithm = 'ES256' | 'ES384' | 'PS256' | 'EdDSA' | 'Ed25519';

/** Default allow-list: FAPI 2.0 (PS256, ES256, EdDSA/Ed25519) plus ES384 (docs/decisions-protocol.md D2). */
export const DPOP_ALGORITHMS: readonly DpopAlgorithm[] = ['ES256', 'ES384', 'PS256', 'EdDSA', 'Ed25519'];

// Registered (RFC 7518 §3.1, RFC 8037 §3.1, RFC 9864) asymmetric signature algorithms that jose implements.
const ASYMMETRIC = new Set([
  'RS256', 'RS384', 'RS512',
  'PS256', 'PS384', 'PS512',
  'ES256', 'ES384', 'ES512',
  'EdDSA', 'Ed25519',
]);

/**
 * Checks a configured allow-list: every entry must be an asymmetric signature algorithm, so a
 * misconfiguration can never admit `none` or an HMAC (RFC 9449 §11.6). Throws a TypeError otherwise.
 */
export function assertAsymmetricAlgorithms(algorithms: readonly string[]): readonly string[] {
  if (algorithms.length === 0) throw new TypeError('the algorithm allow-list is empty');
  for (const alg of algorithms) {
    if (!ASYMMETRIC.has(alg)) throw new TypeError(`"${alg}" is not an asymmetric signature algorithm`);
  }
  return algorithms;
}
