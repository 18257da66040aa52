/**
 * PKCE (RFC 7636) with the S256 method only (spec §7.4 `pkce.required`).
 */
import { randomToken, sha256b64url } from '@koppelmij/core';

export interface Pkce {
  /** RFC 7636 §4.1: 43 characters of base64url from 256 random bits. */
  codeVerifier: string;
  /** RFC 7636 §4.2: BASE64URL(SHA256(ASCII(code_verifier))). */
  codeChallenge: string;
}

/** A fresh verifier and its S256 challenge. */
export function createPkce(): Pkce {
  const codeVerifier = randomToken();
  return { codeVerifier, codeChallenge: sha256b64url(codeVerifier) };
}
