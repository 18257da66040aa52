import { randomBytes, createHash, timingSafeEqual } from 'node:crypto';

/** An opaque identifier with `bytes` of CSPRNG output (default 32 = 256 bits), base64url. */
export function randomToken(bytes = 32): string {
  if (bytes < 16) throw new RangeError('random identifiers carry at least 128 bits');
  return randomBytes(bytes).toString('base64url');
}

/** base64url(SHA-256(value)), as used by PKCE S256 (RFC 7636 §4.2) and DPoP `ath` (RFC 9449 §4.2). */
export function sha256b64url(value: string | Uint8Array): string {
  return createHash('sha256').update(value).digest('base64url');
}

/** Constant-time string comparison; unequal lengths compare false without early exit on content. */
export function timingSafeEqualString(a: string, b: string): boolean {
  const ab = createHash('sha256').update(a).digest();
  const bb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ab, bb) && a.length === b.length;
}
