import Provider, { errors, type Configuration, type ErrorOut, type KoaContextWithOIDC } from 'oidc-provider';
import { createOidcAdapter, type KeyValueStore } from '@koppelmij/core';
import type { SigningKey } from '@koppelmij/service-kit';
import { CLAIMS_BY_SCOPE, findAccount } from './accounts.ts';
import type { DigidMockConfig } from './config.ts';
import { errorPage } from './views.ts';

/** The provider's endpoints that Fastify hands to oidc-provider (service-kit `mountOidcProvider`). */
export const PROVIDER_PATHS = [
  '/auth',
  '/auth/:uid',
  '/token',
  '/jwks',
  '/me',
  '/.well-known/openid-configuration',
  '/.well-known/oauth-authorization-server',
] as const;

/**
 * Cookie names of their own: the demo's services share one browser (docs/architecture.md,
 * "Hosts, ports and cookies"), and a `_session` of another oidc-provider must never be ours.
 */
export const COOKIE_NAMES = { session: 'digid_session', interaction: 'digid_interaction', resume: 'digid_resume' };

/**
 * No single sign-on, as at DigiD: each authorization request authenticates (and, for a
 * representative, asks again for whom they act). The session cookie is scoped to the resume
 * path `/auth/<uid>`; `/auth` does not path-match `/auth/` (RFC 6265 §5.1.4), so every new
 * authorization request starts without a session while each one's own resumes keep it.
 */
const SESSION_COOKIE_PATH = '/auth/';

/** Lifetimes in seconds. A session only has to outlive one authorization request. */
const TTL = { Session: 600, Interaction: 600, Grant: 600, AuthorizationCode: 60, IdToken: 300, AccessToken: 300 };

/** A small HTML error page for the browser-facing endpoints (no stack, no internals). */
function renderError(ctx: KoaContextWithOIDC, out: ErrorOut): void {
  ctx.type = 'html';
  ctx.set('cache-control', 'no-store');
  ctx.body = errorPage('Inloggen mislukt', `${out.error}: ${out.error_description ?? 'het verzoek kon niet worden verwerkt'}`);
}

/** The mock DigiD's OpenID Provider: code flow with PKCE (S256) only, ES256 id_tokens. */
export function createProvider(config: DigidMockConfig, signingKey: SigningKey, store: KeyValueStore): Provider {
  const configuration: Configuration = {
    adapter: createOidcAdapter(store, {
      // RFC 6749 §4.1.2: a code used twice is refused (and its grant revoked by the adapter)
      onConsumeConflict: () => new errors.InvalidGrant('authorization code already used'),
    }),
    clients: config.clients.map((client) => ({ ...client, grant_types: ['authorization_code'], response_types: ['code'] })),
    clientDefaults: { id_token_signed_response_alg: 'ES256' },
    jwks: { keys: signingKey.privateJwks }, // the first key signs, all are published (docs/decisions.md I78)
    responseTypes: ['code'],
    pkce: { required: () => true }, // RFC 9700 §2.1.1; oidc-provider supports S256 only
    scopes: ['openid'], // `profile` and `bsn` come from `claims`; no offline_access: DigiD issues no refresh tokens
    claims: CLAIMS_BY_SCOPE,
    // Scope-requested claims go into the id_token too (OIDC Core §5.4 would put them only in
    // userinfo when an access token is issued); dva-auth reads them from the id_token.
    conformIdTokenClaims: false,
    findAccount,
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    // a demo aid, no DigiD parameter: why the relying party asks for a login (docs/decisions.md I137)
    extraParams: ['koppelmij_reason'],
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: false }, // no single sign-on, so nothing to log out of
      pushedAuthorizationRequests: { enabled: false },
      userinfo: { enabled: true },
    },
    cookies: {
      keys: config.cookieKeys,
      names: COOKIE_NAMES,
      long: { httpOnly: true, sameSite: 'lax', path: SESSION_COOKIE_PATH },
      short: { httpOnly: true, sameSite: 'lax' },
    },
    clientBasedCORS: () => false, // no browser-based clients
    ttl: TTL,
    renderError,
  };
  return new Provider(config.issuer, configuration);
}
