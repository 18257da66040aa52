/**
 * The client side of the authorization code flow: starting it (state, PKCE S256, nonce;
 * RFC 6749 §4.1.1, RFC 7636) and reading its response (RFC 6749 §4.1.2, RFC 9207).
 */
export { createPkce, type Pkce } from './pkce.ts';
export { authorizationUrl, startAuthorization, type StartAuthorizationInput, type StartedAuthorization } from './request.ts';
export {
  authorizationResponseState, readAuthorizationResponse,
  type AuthorizationResponse, type AuthorizationResponseParams, type ExpectedAuthorizationResponse,
} from './response.ts';
export * from './errors.ts';
