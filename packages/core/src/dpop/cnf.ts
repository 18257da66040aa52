/**
 * The `cnf` (confirmation) claim as Koppelmij uses it: a JWK SHA-256 thumbprint `jkt` (RFC 7800
 * §3.1, RFC 9449 §6.1), in DPoP-bound access tokens and in the client assertions of options 2a/2b
 * (docs/security-checklists.md §3 (10)). One reading and one binding rule for every verifier.
 */

// RFC 9449 §6.1, RFC 7638 §3: base64url of a SHA-256 digest, 43 characters
const JKT = /^[A-Za-z0-9_-]{43}$/;

/** What a `cnf` claim says: absent, or present with its `jkt` (undefined when it carries none that is well-formed). */
export type CnfJkt = { present: false } | { present: true; jkt: string | undefined };

/**
 * Reads a `cnf` claim's value. A `cnf` that is not an object, or whose confirmation is not a
 * well-formed `jkt` (another method, such as RFC 8705 `x5t#S256`), is present without a `jkt`:
 * the caller refuses it rather than treating the token or assertion as unbound.
 */
export function readCnfJkt(cnf: unknown): CnfJkt {
  if (cnf === undefined) return { present: false };
  const jkt = typeof cnf === 'object' && cnf !== null && !Array.isArray(cnf) ? (cnf as { jkt?: unknown }).jkt : undefined;
  return { present: true, jkt: typeof jkt === 'string' && JKT.test(jkt) ? jkt : undefined };
}

/**
 * docs/security-checklists.md §3 (10), RFC 9449 §11.11: the client assertion's `cnf.jkt` is the key of this
 * request's DPoP proof (or of the grant that proof bound). False when either is missing.
 */
export function assertionBindsProof(assertionJkt: string | undefined, proofJkt: string | undefined): boolean {
  return assertionJkt !== undefined && proofJkt !== undefined && assertionJkt === proofJkt;
}
