import type { CryptoKey, KeyObject } from 'jose';
import { signJwt } from '../jws/sign.ts';
import type { AccessTokenClaims } from './claims.ts';

export interface SignJwtAccessTokenOptions {
  privateKey: CryptoKey | KeyObject;
  alg: string;
  kid?: string;
}

/**
 * Signs a JWT access token (RFC 9068 §2.1: header `typ: at+jwt`). The claims are taken as given;
 * meant for tests and benchmarks, the authorization server issues its own.
 */
export function signJwtAccessToken(claims: AccessTokenClaims, options: SignJwtAccessTokenOptions): Promise<string> {
  return signJwt({ typ: 'at+jwt', alg: options.alg, ...(options.kid === undefined ? {} : { kid: options.kid }) }, claims, options.privateKey);
}
