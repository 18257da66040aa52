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

/**
 * The members of an RFC 8414 document: RFC 8414 §2's own, and those its registry holds for what
 * this project implements (RFC 9449 §5.1, RFC 9207 §3, RFC 9126 §5). OpenID Connect Discovery's
 * (`claims_supported`, `subject_types_supported`, `id_token_signing_alg_values_supported`, …) are
 * not among them.
 */
export const OAUTH_SERVER_METADATA_MEMBERS = Object.freeze([
  'issuer', 'authorization_endpoint', 'token_endpoint', 'jwks_uri', 'registration_endpoint', 'scopes_supported',
  'response_types_supported', 'response_modes_supported', 'grant_types_supported', 'token_endpoint_auth_methods_supported',
  'token_endpoint_auth_signing_alg_values_supported', 'service_documentation', 'ui_locales_supported', 'op_policy_uri', 'op_tos_uri',
  'revocation_endpoint', 'revocation_endpoint_auth_methods_supported', 'revocation_endpoint_auth_signing_alg_values_supported',
  'introspection_endpoint', 'introspection_endpoint_auth_methods_supported', 'introspection_endpoint_auth_signing_alg_values_supported',
  'code_challenge_methods_supported', 'dpop_signing_alg_values_supported', 'authorization_response_iss_parameter_supported',
  'pushed_authorization_request_endpoint', 'require_pushed_authorization_requests',
] as const);

/**
 * RFC 8414 metadata of a plain OAuth authorization server (one that identifies nobody) from an
 * OpenID provider's discovery document: only {@link OAUTH_SERVER_METADATA_MEMBERS}, where
 * `supported` (e.g. the server's SMART configuration) replaces what the library derives from
 * more than the server grants (its forced `openid` scope, a `refresh_token` grant it never issues);
 * a member `supported` sets to `undefined` is left out.
 */
export function oauthServerMetadata(discovery: Readonly<Record<string, unknown>>, supported: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const members = new Set<string>(OAUTH_SERVER_METADATA_MEMBERS);
  return Object.fromEntries(Object.entries({ ...discovery, ...supported }).filter(([name, value]) => members.has(name) && value !== undefined));
}
