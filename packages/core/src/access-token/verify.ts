import { decodeProtectedHeader, errors, jwtVerify, type CompactJWSHeaderParameters, type CryptoKey, type JWTPayload, type KeyObject, type JWTVerifyGetKey, type JWTVerifyOptions } from 'jose';
import { assertAsymmetricAlgorithms } from '../dpop/algorithms.ts';
import { InvalidToken } from '../errors/oauth-error.ts';
import { jwtVerifyFast } from '../jws/compact.ts';
import { keyObjectOf } from '../jws/keys.ts';
import { rememberVerified, verifiedPayload } from '../jws/verified-tokens.ts';
import { systemClock, type Clock } from '../util/clock.ts';
import type { AccessTokenClaims } from './claims.ts';

/** Default signature algorithms of access tokens (docs/decisions-protocol.md D2): never `none`, never HS*. */
export const ACCESS_TOKEN_ALGORITHMS: readonly string[] = ['ES256', 'ES384', 'PS256', 'EdDSA', 'Ed25519', 'RS384'];

export interface VerifyJwtAccessTokenOptions {
  /** The authorization server's public key, or a key resolver such as jose's `createLocalJWKSet`. */
  key: JWTVerifyGetKey | CryptoKey | KeyObject;
  /** The authorization server's issuer identifier. */
  issuer: string;
  /** This resource server's identifier; `aud` must be it or an array containing it. */
  audience: string;
  clock?: Clock;
  algorithms?: readonly string[];
}

/** The fixed `error_description` texts (RFC 6750 §3.1). */
export const ACCESS_TOKEN_ERRORS = {
  expired: 'The access token expired',
  invalid: 'The access token is invalid',
} as const;

/**
 * Validates a JWT access token per RFC 9068 §4: `typ` is `at+jwt`, the signature verifies with an
 * allowed asymmetric algorithm, `iss` is the issuer, `aud` contains this resource server, `exp` has
 * not passed and `nbf` has; the claims RFC 9068 §2.2 requires are present.
 *
 * @throws InvalidToken (401) with a fixed description for every failure.
 */
export async function verifyJwtAccessToken(token: string, options: VerifyJwtAccessTokenOptions): Promise<AccessTokenClaims> {
  const now = (options.clock ?? systemClock)();
  const algorithms = assertAsymmetricAlgorithms(options.algorithms ?? ACCESS_TOKEN_ALGORITHMS);
  // docs/decisions.md I116: a token verified before with this key and these options, still within its exp
  const scope = `${options.issuer}\n${options.audience}\n${algorithms.join(' ')}`;
  const known = verifiedPayload(options.key, scope, token, now);
  if (known !== undefined) return known as AccessTokenClaims;

  const verifyOptions = {
    typ: 'at+jwt', // RFC 9068 §4: reject other JWTs (e.g. ID Tokens) presented as access tokens
    issuer: options.issuer, // RFC 9068 §4
    audience: options.audience, // RFC 9068 §4
    requiredClaims: ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti'], // RFC 9068 §2.2
    algorithms: [...algorithms], // RFC 9068 §4; docs/decisions-protocol.md D2
    currentDate: new Date(now * 1000), // exp and nbf, RFC 9068 §4
  } satisfies JWTVerifyOptions;
  let payload: JWTPayload;
  try {
    const { key } = options;
    // docs/decisions.md I115: node:crypto checks the signature in place; jose decides whatever else
    const keyObject = keyObjectOf(typeof key === 'function' ? await resolvedKey(key, token) : key);
    const fast = keyObject === undefined ? undefined : jwtVerifyFast(token, keyObject, verifyOptions);
    ({ payload } = fast ?? (typeof key === 'function' ? await jwtVerify(token, key, verifyOptions) : await jwtVerify(token, key, verifyOptions)));
  } catch (error) {
    if (error instanceof errors.JWTExpired) throw new InvalidToken(ACCESS_TOKEN_ERRORS.expired, { cause: error });
    // a JWKS that cannot be fetched is the server's problem, not the token's
    if (error instanceof errors.JOSEError && !(error instanceof errors.JWKSTimeout)) {
      throw new InvalidToken(ACCESS_TOKEN_ERRORS.invalid, { cause: error });
    }
    throw error;
  }
  if (!wellTyped(payload)) throw new InvalidToken(ACCESS_TOKEN_ERRORS.invalid);
  rememberVerified(options.key, scope, token, payload);
  return payload;
}

/** The key a resolver (e.g. jose's createRemoteJWKSet) picks for `token`; undefined lets jose resolve it and report. */
async function resolvedKey(resolve: JWTVerifyGetKey, token: string): Promise<unknown> {
  try {
    const [protectedHeader, payload, signature] = token.split('.');
    return await resolve(decodeProtectedHeader(token) as CompactJWSHeaderParameters, { payload: payload!, signature: signature!, protected: protectedHeader });
  } catch {
    return undefined;
  }
}

// jose checks the types of iss, aud, exp, iat and nbf; these are the others RFC 9068 §2.2 defines.
function wellTyped(payload: JWTPayload): payload is AccessTokenClaims {
  const { sub, client_id, jti, scope, cnf } = payload;
  return (
    typeof sub === 'string' &&
    typeof client_id === 'string' &&
    typeof jti === 'string' &&
    (scope === undefined || typeof scope === 'string') &&
    (cnf === undefined || (typeof cnf === 'object' && cnf !== null && !Array.isArray(cnf)))
  );
}
