/**
 * What an authorization server of this project supports, in one place: its oidc-provider
 * configuration and every discovery document it or its FHIR base serves
 * (`openid-configuration`, RFC 8414 `oauth-authorization-server`, SMART `smart-configuration`)
 * are built from these values, so no document advertises what the server refuses
 * (docs/decisions.md I102).
 */
import { DEFAULT_CLIENT_ASSERTION_ALGORITHMS } from '../client-auth/algorithms.ts';
import { DPOP_ALGORITHMS } from '../dpop/algorithms.ts';

/**
 * ID token algorithms: RS256 first, as SMART App Launch 2.x ("sso-openid-connect": servers SHALL
 * support RS256) and OIDC Core §15.1 ask, the default of every OIDC client; ES256 beside it
 * (docs/decisions.md I103). A registration chooses with `id_token_signed_response_alg`.
 */
export const ID_TOKEN_ALGORITHMS = Object.freeze(['RS256', 'ES256'] as const);
export type IdTokenAlgorithm = (typeof ID_TOKEN_ALGORITHMS)[number];

/** RFC 7591 §2 `token_endpoint_auth_method` values this project implements. */
export const CLIENT_AUTH_METHODS = Object.freeze(['private_key_jwt', 'client_secret_basic', 'client_secret_post', 'none'] as const);
export type ClientAuthMethod = (typeof CLIENT_AUTH_METHODS)[number];

/** The members every discovery document of one authorization server shares. */
export interface AdvertisedSupport {
  token_endpoint_auth_methods_supported: ClientAuthMethod[];
  token_endpoint_auth_signing_alg_values_supported?: string[];
  dpop_signing_alg_values_supported: string[];
  code_challenge_methods_supported: ['S256'];
}

/**
 * The shared members for a server whose clients use `methods` (exactly those: a method no
 * registration uses is not offered). Client-assertion algorithms only when `private_key_jwt` is
 * among them (RFC 8414 §2).
 */
export function advertisedSupport(methods: Iterable<ClientAuthMethod>): AdvertisedSupport {
  const used = CLIENT_AUTH_METHODS.filter((m) => [...methods].includes(m));
  return {
    token_endpoint_auth_methods_supported: used,
    ...(used.includes('private_key_jwt') && { token_endpoint_auth_signing_alg_values_supported: [...DEFAULT_CLIENT_ASSERTION_ALGORITHMS] }),
    dpop_signing_alg_values_supported: [...DPOP_ALGORITHMS],
    code_challenge_methods_supported: ['S256'], // SMART App Launch 2.x: S256, never plain
  };
}

/** SMART App Launch 2.x client capabilities for the client-authentication methods in use. */
export function clientCapabilities(methods: Iterable<ClientAuthMethod>): string[] {
  const used = [...methods];
  return [
    ...(used.includes('none') ? ['client-public'] : []),
    ...(used.some((m) => m.startsWith('client_secret')) ? ['client-confidential-symmetric'] : []),
    ...(used.includes('private_key_jwt') ? ['client-confidential-asymmetric'] : []),
  ];
}
