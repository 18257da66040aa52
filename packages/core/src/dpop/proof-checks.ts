/**
 * The checks of RFC 9449 §4.3 that concern the proof as a JWS (items 1–7; docs/security-checklists.md §1.1).
 * The claim checks (items 8–12) are in verify.ts.
 */
import { EmbeddedJWK, errors, jwtVerify, type JWK, type JWTPayload } from 'jose';
import type { OAuthError } from '../errors/oauth-error.ts';
import { jwtVerifyFast } from '../jws/compact.ts';
import { protectedHeaderOf } from '../jws/header.ts';
import { embeddedJwkKey } from '../jws/keys.ts';

/** Builds the error for a failed check, with the status of the verifying server's context. */
export type Reject = (description: string) => OAuthError;

/** The fixed `error_description` of each failed check. */
export const DPOP_ERRORS = {
  missing: 'DPoP proof is missing',
  multiple: 'Only one DPoP proof is allowed',
  malformed: 'DPoP proof is not a well-formed JWT',
  missingHeader: 'DPoP proof lacks a required header parameter',
  missingClaim: 'DPoP proof lacks a required claim',
  typ: 'DPoP proof typ must be dpop+jwt',
  alg: 'DPoP proof alg is not allowed',
  signature: 'DPoP proof signature is invalid',
  privateKey: 'DPoP proof jwk must be a public key',
  invalid: 'DPoP proof is invalid',
  htm: 'DPoP proof htm does not match the request method',
  htu: 'DPoP proof htu does not match the request URI',
  iat: 'DPoP proof iat is outside the acceptable window',
  ath: 'DPoP proof ath does not match the access token',
  binding: 'Invalid DPoP key binding',
  jtiTooLong: 'DPoP proof jti is too long',
  replay: 'DPoP proof has already been used',
} as const;

// RFC 7515 §7.1 compact serialization: three base64url parts, which is also RFC 9449 §4.1 token68.
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
// RFC 7517 §6.2.2, §6.3.2, §6.4: members that only a private or symmetric key has.
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/** RFC 9449 §4.3 (1) and (2): exactly one `DPoP` header field whose value is one compact JWS. */
export function singleProof(input: string | readonly string[] | undefined, reject: Reject): string {
  const values = typeof input === 'string' ? [input] : (input ?? []);
  // RFC 9449 §4.3 (1): not more than one DPoP header field (a raw header array holds one entry per line)
  if (values.length > 1) throw reject(DPOP_ERRORS.multiple);
  const value = values[0];
  if (value === undefined || value === '') throw reject(DPOP_ERRORS.missing);
  // RFC 9449 §4.3 (1): a proxy may fold two fields into one comma-joined value; a compact JWS has no comma
  if (value.includes(',')) throw reject(DPOP_ERRORS.multiple);
  // RFC 9449 §4.3 (2): a single, well-formed JWT
  if (!COMPACT_JWS.test(value)) throw reject(DPOP_ERRORS.malformed);
  return value;
}

/** The checked protected header: the public key to verify with and the algorithm. */
export interface DpopHeader {
  alg: string;
  jwk: JWK;
}

/** RFC 9449 §4.3 (3), (4), (5) and (7), on the protected header, before any cryptography. */
export function checkHeader(proof: string, algorithms: readonly string[], reject: Reject): DpopHeader {
  let header: ReturnType<typeof protectedHeaderOf>;
  try {
    header = protectedHeaderOf(proof); // jose's decode, remembered per header (docs/decisions.md I115)
  } catch {
    throw reject(DPOP_ERRORS.malformed); // RFC 9449 §4.3 (2)
  }
  const { typ, alg, jwk } = header;
  // RFC 9449 §4.3 (3): header typ, alg and jwk are present
  if (typ === undefined || alg === undefined || !isObject(jwk)) throw reject(DPOP_ERRORS.missingHeader);
  // RFC 9449 §4.3 (4): typ is exactly dpop+jwt (§11.5: no JWT swapping)
  if (typ !== 'dpop+jwt') throw reject(DPOP_ERRORS.typ);
  // RFC 9449 §4.3 (5): an allowed asymmetric algorithm; never none or a MAC (§11.6)
  if (!algorithms.includes(alg)) throw reject(DPOP_ERRORS.alg);
  // RFC 9449 §4.3 (7): the jwk does not contain a private key
  if (jwk.kty === 'oct' || PRIVATE_MEMBERS.some((member) => member in jwk)) throw reject(DPOP_ERRORS.privateKey);
  return { alg, jwk };
}

/**
 * RFC 9449 §4.3 (6): the signature verifies with the public key in the `jwk` header. jose repeats
 * checks (4), (5) and (7) here as a second line; its failures map to fixed descriptions.
 * `jkt` is the jwk's thumbprint when known: its imported key is then reused and node:crypto checks
 * the signature in place (docs/decisions.md I115); jose decides every proof that path leaves open.
 */
export async function verifySignature(proof: string, header: DpopHeader & { jkt?: string }, algorithms: readonly string[], now: number, reject: Reject): Promise<JWTPayload> {
  const options = { typ: 'dpop+jwt', algorithms: [...algorithms], currentDate: new Date(now * 1000) };
  try {
    const key = header.jkt === undefined ? undefined : embeddedJwkKey(header.jwk, header.jkt, header.alg);
    const fast = key === undefined ? undefined : jwtVerifyFast(proof, key, options);
    return (fast ?? (await jwtVerify(proof, EmbeddedJWK, options))).payload;
  } catch (error) {
    if (error instanceof errors.JWSSignatureVerificationFailed) throw reject(DPOP_ERRORS.signature);
    // Everything verified here comes from the request (EmbeddedJWK uses no server state), so any other
    // failure is the proof's: jose's errors, and WebCrypto's DOMException for a jwk that is no valid key.
    throw reject(DPOP_ERRORS.invalid);
  }
}

function isObject(value: unknown): value is JWK {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
