/** JWT access tokens (RFC 9068): verification at the resource server, signing for tests. */
export type { AccessTokenActor, AccessTokenClaims } from './claims.ts';
export {
  ACCESS_TOKEN_ALGORITHMS,
  ACCESS_TOKEN_ERRORS,
  verifyJwtAccessToken,
  type VerifyJwtAccessTokenOptions,
} from './verify.ts';
export { signJwtAccessToken, type SignJwtAccessTokenOptions } from './sign.ts';
