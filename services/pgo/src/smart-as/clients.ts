/**
 * The modules registered at the PGO's SMART authorization server (docs/protocol.md §1.6: "Options 2a/2b
 * only: the module registered at the PGO with a public key for RFC 7523 assertions"), from the
 * same registrations file: every module of launch option 2a or 2b.
 */
import type { ClientMetadata } from 'oidc-provider';
import { loadRegistrations, type ModuleRegistration } from '@koppelmij/service-kit';
import type { PgoConfig } from '../config.ts';
import { registrationUrls } from '../registrations.ts';

/** A module client of the PGO's authorization server. */
export type DelegationModule = ModuleRegistration;

/** The 2a/2b modules of the registrations file, and those of level PS (docs/protocol.md §5: the PGO is their AS). */
export function delegationModules(config: PgoConfig): DelegationModule[] {
  const registrations = loadRegistrations(config.registrationsFile, registrationUrls(config));
  return registrations.modules.filter((m) => m.launch_option === '2a' || m.launch_option === '2b' || m.integration_level === 'PS');
}

/**
 * oidc-provider metadata: `private_key_jwt` only (docs/protocol.md §3.3 step 8; RFC 7523 §2.2), the code grant
 * only, and `dpop_bound_access_tokens` (RFC 9449 §5.2: "DPoP is mandatory in both options").
 */
export function clientMetadata(modules: readonly DelegationModule[]): ClientMetadata[] {
  return modules
    .filter((m) => m.token_endpoint_auth_method === 'private_key_jwt')
    .map((m): ClientMetadata => ({
      client_id: m.client_id,
      client_name: m.client_name,
      redirect_uris: m.redirect_uris,
      response_types: ['code'],
      grant_types: ['authorization_code'],
      scope: offeredScopes(m.scope).join(' '),
      token_endpoint_auth_method: 'private_key_jwt',
      // docs/decisions.md I101: every default algorithm unless the registration names one
      ...(m.token_endpoint_auth_method === 'private_key_jwt' && m.token_endpoint_auth_signing_alg && { token_endpoint_auth_signing_alg: m.token_endpoint_auth_signing_alg }),
      dpop_bound_access_tokens: true,
      ...keys(m),
    }));
}

function keys(m: DelegationModule): Partial<ClientMetadata> {
  if (m.token_endpoint_auth_method !== 'private_key_jwt') return {};
  return m.jwks_uri ? { jwks_uri: m.jwks_uri } : { jwks: m.jwks as unknown as ClientMetadata['jwks'] };
}

/** A registration's scopes this server grants: all but `openid`, as it identifies nobody (docs/protocol.md §3.3 "Issues"). */
export function offeredScopes(scope: string): string[] {
  return scope.split(' ').filter((s) => s !== '' && s !== 'openid');
}

/** Every scope a module may ask for, for oidc-provider's `scopes` (it drops unknown ones silently; docs/oidc-provider-notes.md §2). */
export function allScopes(modules: readonly DelegationModule[]): string[] {
  return [...new Set(['launch', ...modules.flatMap((m) => offeredScopes(m.scope))])];
}
