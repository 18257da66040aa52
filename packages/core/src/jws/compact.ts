/**
 * The common case of jose's `compactVerify` and `jwtVerify`, with the signature checked by
 * `node:crypto` in place (node-signature.ts; docs/decisions.md I115).
 *
 * The rule of this file: it decides only two outcomes itself, "the signature is invalid" and "every
 * check passed". Whatever else it meets (an unusual header, `crit`, an algorithm or key it does not
 * handle, a claim that fails) it answers `undefined`, and the caller runs jose on the same input, so
 * every refusal other than a bad signature carries jose's own error, and nothing passes here that
 * jose would refuse.
 */
import { type KeyObject } from 'node:crypto';
import { errors, type JWSHeaderParameters, type JWTPayload } from 'jose';
import { protectedHeaderOf } from './header.ts';
import { keyFitsAlgorithm, signatureValid, supportsAlgorithm } from './node-signature.ts';

/** The JWS after a valid signature (RFC 7515 §5.2). */
export interface VerifiedCompact {
  protectedHeader: JWSHeaderParameters;
  /** The base64url-decoded payload. */
  payload: Buffer;
}

/** jose `jwtVerify` options this path handles; others go to jose. */
export interface FastJwtOptions {
  typ?: string;
  issuer?: string;
  audience?: string;
  requiredClaims?: readonly string[];
  algorithms?: readonly string[];
  currentDate?: Date;
}

// RFC 7515 §2 base64url without padding; a length of 4n+1 characters encodes no byte string.
const SEGMENT = /^[A-Za-z0-9_-]+$/;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * RFC 7515 §5.2 for a compact JWS with `key`: the signature verified when the header is plain
 * (a JSON object with an `alg` this path supports, allowed by `algorithms`, that fits `key`; no
 * `crit`, no `b64`).
 *
 * @returns the header and payload, or undefined when jose must decide.
 * @throws jose's JWSSignatureVerificationFailed when the signature does not verify.
 */
export function verifyCompactFast(jws: string, key: KeyObject, algorithms?: readonly string[]): VerifiedCompact | undefined {
  if (typeof jws !== 'string') return undefined;
  const parts = jws.split('.');
  if (parts.length !== 3 || !parts.every((part) => SEGMENT.test(part) && part.length % 4 !== 1)) return undefined;
  const [header, payload, signature] = parts as [string, string, string];
  let protectedHeader: JWSHeaderParameters;
  try {
    protectedHeader = protectedHeaderOf(jws) as JWSHeaderParameters;
  } catch {
    return undefined;
  }
  // RFC 7515 §4.1.11 crit and RFC 7797 b64: jose's rules apply
  if (Object.hasOwn(protectedHeader, 'crit') || Object.hasOwn(protectedHeader, 'b64')) return undefined;
  const { alg } = protectedHeader;
  if (typeof alg !== 'string' || !supportsAlgorithm(alg)) return undefined;
  if (algorithms !== undefined && !algorithms.includes(alg)) return undefined;
  if (!keyFitsAlgorithm(alg, key)) return undefined;
  if (!signatureValid(alg, key, `${header}.${payload}`, Buffer.from(signature, 'base64url'))) {
    throw new errors.JWSSignatureVerificationFailed();
  }
  return { protectedHeader, payload: Buffer.from(payload, 'base64url') };
}

/**
 * jose's `jwtVerify(jwt, key, options)` when it passes: the signature as in
 * {@link verifyCompactFast}, then the JWT claims set (RFC 7519 §7.2) with jose's rules for the
 * given options, no clock tolerance.
 *
 * @returns the payload and header, or undefined when jose must decide (any failure but the signature).
 * @throws jose's JWSSignatureVerificationFailed when the signature does not verify.
 */
export function jwtVerifyFast(jwt: string, key: KeyObject, options: FastJwtOptions): { payload: JWTPayload; protectedHeader: JWSHeaderParameters } | undefined {
  const verified = verifyCompactFast(jwt, key, options.algorithms);
  if (verified === undefined) return undefined;
  const payload = jsonObject(verified.payload) as JWTPayload | undefined;
  if (payload === undefined || !claimsPass(verified.protectedHeader, payload, options)) return undefined;
  return { payload, protectedHeader: verified.protectedHeader };
}

// jose's validateClaimsSet for typ, issuer, audience, requiredClaims and currentDate: true only
// when every check passes.
function claimsPass(header: JWSHeaderParameters, claims: JWTPayload, options: FastJwtOptions): boolean {
  if (options.typ !== undefined && (typeof header.typ !== 'string' || normalizeTyp(header.typ) !== normalizeTyp(options.typ))) return false;
  const required = [...(options.requiredClaims ?? []), ...(options.audience === undefined ? [] : ['aud']), ...(options.issuer === undefined ? [] : ['iss'])];
  if (!required.every((claim) => Object.hasOwn(claims, claim))) return false;
  if (options.issuer !== undefined && claims.iss !== options.issuer) return false;
  if (options.audience !== undefined) {
    const { aud } = claims;
    if (!(aud === options.audience || (Array.isArray(aud) && aud.includes(options.audience)))) return false;
  }
  const now = Math.floor((options.currentDate ?? new Date()).getTime() / 1000);
  const { iat, nbf, exp } = claims;
  if (iat !== undefined && typeof iat !== 'number') return false;
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > now)) return false; // RFC 7519 §4.1.5
  if (exp !== undefined && (typeof exp !== 'number' || exp <= now)) return false; // RFC 7519 §4.1.4
  return true;
}

// RFC 7515 §4.1.9: "application/" may be omitted, media types compare case-insensitively (as jose)
function normalizeTyp(value: string): string {
  const lower = value.toLowerCase();
  return value.includes('/') ? lower : `application/${lower}`;
}

function jsonObject(bytes: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(strictUtf8.decode(bytes));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
