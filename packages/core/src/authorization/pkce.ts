/**
 * PKCE (RFC 7636) with the S256 method only: SMART App Launch 2.x requires S256 and forbids
 * `plain`, and so does the Koppelmij profile (docs/protocol.md §7.4 `pkce.required`).
 */
import { randomToken, sha256b64url } from '../util/random.ts';

export interface Pkce {
  /** RFC 7636 §4.1: 43 characters of base64url from 256 random bits (within 43..128). */
  code_verifier: string;
  /** RFC 7636 §4.2: BASE64URL(SHA256(ASCII(code_verifier))). */
  code_challenge: string;
  code_challenge_method: 'S256';
}

/** A fresh verifier and its S256 challenge. */
export function createPkce(): Pkce {
  const code_verifier = randomToken();
  return { code_verifier, code_challenge: sha256b64url(code_verifier), code_challenge_method: 'S256' };
}
