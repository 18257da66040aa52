import type { ClientMetadata } from 'oidc-provider';
import { GRANT_TYPE_TOKEN_EXCHANGE, parseSmartScope } from '@koppelmij/core';
import type { ModuleRegistration, PgoRegistration, Registrations } from '@koppelmij/service-kit';

/** Scopes oidc-provider knows statically; SMART resource scopes go through the resource server (docs/oidc-provider-notes.md §2). */
export const STATIC_SCOPES = ['openid', 'offline_access', 'launch', 'launch/patient', 'fhirUser'] as const;

const splitScope = (scope: string) => scope.split(' ').filter(Boolean);

/** Everything a client may ask for: a PGO's collect scope plus its launch-preparation scope. */
export function allowedScope(registration: { scope: string; launch_scope?: string }): string {
  return [registration.scope, registration.launch_scope ?? ''].join(' ').trim();
}

/** The registration's SMART resource scopes (`patient/*.read`, …). */
export function resourceScopes(registration: { scope: string; launch_scope?: string }): string[] {
  return splitScope(allowedScope(registration)).filter((s) => parseSmartScope(s) !== undefined);
}

function credentials(r: PgoRegistration | ModuleRegistration): Partial<ClientMetadata> {
  if (r.token_endpoint_auth_method === 'private_key_jwt') {
    return {
      token_endpoint_auth_method: 'private_key_jwt',
      // docs/decisions-protocol.md D2, docs/decisions.md I101: every default algorithm unless the registration names one
      ...(r.token_endpoint_auth_signing_alg && { token_endpoint_auth_signing_alg: r.token_endpoint_auth_signing_alg }),
      ...(r.jwks_uri ? { jwks_uri: r.jwks_uri } : { jwks: r.jwks as unknown as ClientMetadata['jwks'] }),
    };
  }
  if (r.token_endpoint_auth_method === 'none') return { token_endpoint_auth_method: 'none' }; // docs/decisions.md I104
  return { token_endpoint_auth_method: r.token_endpoint_auth_method, client_secret: r.client_secret };
}

/** oidc-provider client metadata from the registrations file; registrations are data, not code. */
export function clientMetadata(registrations: Registrations): ClientMetadata[] {
  const staticScope = (r: { scope: string }) => splitScope(r.scope).filter((s) => (STATIC_SCOPES as readonly string[]).includes(s)).join(' ');
  return [
    ...registrations.pgos.map((r): ClientMetadata => ({
      client_id: r.client_id,
      client_name: r.client_name,
      redirect_uris: r.redirect_uris,
      response_types: ['code'],
      grant_types: ['authorization_code', 'refresh_token', GRANT_TYPE_TOKEN_EXCHANGE],
      scope: staticScope({ scope: allowedScope(r) }),
      dpop_bound_access_tokens: r.dpop_bound_access_tokens, // RFC 9449 §5.2
      ...(r.id_token_signed_response_alg && { id_token_signed_response_alg: r.id_token_signed_response_alg }), // docs/decisions.md I103
      ...(credentials(r) as object),
    })),
    // docs/protocol.md §5 level PS: a client of the PGO's authorization server only, never of the DVA
    ...registrations.modules.filter((r) => r.integration_level !== 'PS').map((r): ClientMetadata => ({
      client_id: r.client_id,
      client_name: r.client_name,
      redirect_uris: r.redirect_uris,
      response_types: ['code'],
      // option 2b: the module exchanges the temporary token itself (docs/protocol.md §3.4 step 11)
      grant_types: ['authorization_code', 'refresh_token', ...(r.launch_option === '2b' ? [GRANT_TYPE_TOKEN_EXCHANGE] : [])],
      scope: staticScope(r),
      dpop_bound_access_tokens: r.dpop_bound_access_tokens, // RFC 9449 §5.2
      ...(r.id_token_signed_response_alg && { id_token_signed_response_alg: r.id_token_signed_response_alg }), // docs/decisions.md I103
      ...(credentials(r) as object),
    })),
  ];
}
