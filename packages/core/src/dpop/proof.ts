import { signJwt } from '../jws/sign.ts';
import { systemClock } from '../util/clock.ts';
import { randomToken, sha256b64url } from '../util/random.ts';
import type { DpopKey } from './key.ts';

export interface CreateDpopProofOptions {
  key: DpopKey;
  /** HTTP method of the request, e.g. `POST` (RFC 9449 §4.2 `htm`). */
  htm: string;
  /** Target URI of the request; query and fragment are dropped (RFC 9449 §4.2 `htu`). */
  htu: string;
  /** The access token the request carries; adds `ath` (RFC 9449 §4.2). */
  accessToken?: string;
  /** The server's latest `DPoP-Nonce` (RFC 9449 §8, §9). */
  nonce?: string;
  /** Defaults to a fresh 256-bit random value. */
  jti?: string;
  /** Seconds since the epoch; defaults to now. */
  iat?: number;
}

/**
 * Creates a DPoP proof JWT (RFC 9449 §4.2): header `typ: dpop+jwt`, `alg` and the public `jwk`;
 * claims `jti`, `htm`, `htu`, `iat`, and `ath` / `nonce` when given.
 */
export async function createDpopProof(options: CreateDpopProofOptions): Promise<string> {
  const { key } = options;
  const claims: Record<string, string | number> = {
    jti: options.jti ?? randomToken(),
    htm: options.htm,
    htu: stripQueryAndFragment(options.htu),
    iat: options.iat ?? systemClock(),
  };
  if (options.accessToken !== undefined) claims.ath = sha256b64url(options.accessToken); // RFC 9449 §4.2 ath
  if (options.nonce !== undefined) claims.nonce = options.nonce;
  return signJwt({ typ: 'dpop+jwt', alg: key.alg, jwk: key.publicJwk }, claims, key.privateKey);
}

// RFC 9449 §4.2: htu is the target URI "without query and fragment parts".
function stripQueryAndFragment(uri: string): string {
  const url = new URL(uri);
  url.search = '';
  url.hash = '';
  return url.href;
}
