import { randomBytes } from 'node:crypto';
import Provider, { errors, interactionPolicy, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { ID_TOKEN_ALGORITHMS, createOidcAdapter, type KeyValueStore } from '@koppelmij/core';
import { clientAssertionPolicy, dvaAdvertisedSupport, type Registrations, type SigningKey } from '@koppelmij/service-kit';
import { clientMetadata, resourceScopes, STATIC_SCOPES } from './clients.ts';
import type { DvaAuthConfig } from '../config.ts';
import type { GrantContext } from '../context.ts';
import type { PatientIndex } from '../patients.ts';
import { representationClaims } from '../collect/representation.ts';

export interface ProviderParts {
  config: DvaAuthConfig;
  store: KeyValueStore;
  registrations: Registrations;
  patients: PatientIndex;
  signingKey: SigningKey;
  /** Signs RS256 id_tokens only (docs/decisions.md I103); access tokens stay ES256 with `signingKey`. */
  idTokenRsaKey: SigningKey;
  grantContext(grantId: string): Promise<GrantContext | undefined>;
  extraParams: NonNullable<Configuration['extraParams']>;
  fetch: typeof fetch;
}

const isModule = (registrations: Registrations, clientId: string | undefined) => registrations.modules.some((m) => m.client_id === clientId);

/**
 * A request that carries a launch: the PGO's launch preparation (W1; option 1's authorization,
 * which names its module in `audience`), or any module's authorization (W12; level S's standalone one).
 */
const isLaunch = (ctx: KoaContextWithOIDC, registrations: Registrations) =>
  ctx.oidc.params?.subject_token !== undefined || ctx.oidc.params?.launch !== undefined || ctx.oidc.params?.audience !== undefined ||
  isModule(registrations, ctx.oidc.client?.clientId);

/**
 * oidc-provider skips the interaction when the browser already has a DVA session and a grant.
 * A launch must never skip it: the DVA takes the launch code and authenticates the browser there
 * (docs/protocol.md §3.1.1 W4, W13; docs/decisions-protocol.md D7, D8), so the login prompt asks for it until the interaction says done.
 */
function launchPolicy(registrations: Registrations) {
  const policy = interactionPolicy.base();
  policy.get('login')!.checks.add(
    new interactionPolicy.Check('koppelmij_launch', 'the launch is verified at the DVA', (ctx) =>
      isLaunch(ctx, registrations) && !(ctx.oidc.result as { koppelmij?: { launch?: boolean } } | undefined)?.koppelmij?.launch
        ? interactionPolicy.Check.REQUEST_PROMPT
        : interactionPolicy.Check.NO_NEED_TO_PROMPT,
    ),
  );
  return policy;
}


/**
 * The oidc-provider configuration of the DVA authorization server. Every non-default
 * choice cites the spec, the notes (`docs/oidc-provider-notes.md`) or a decision.
 */
export function createProvider(parts: ProviderParts): Provider {
  const { config, registrations, patients } = parts;
  const fhirBase = config.DVA_FHIR_URL;
  const support = dvaAdvertisedSupport(registrations);
  const moduleTtl = (ctx: KoaContextWithOIDC, want: number) => {
    // docs/protocol.md §4.7: never beyond the maximum session, counted from the grant (the launch)
    const grant = ctx.oidc.entities.Grant as { iat?: number } | undefined;
    const started = grant?.iat ?? Math.floor(Date.now() / 1000);
    const remaining = started + config.MAX_SESSION - Math.floor(Date.now() / 1000);
    return Math.max(1, Math.min(want, remaining));
  };

  const configuration: Configuration = {
    adapter: createOidcAdapter(parts.store, {
      onConsumeConflict: () => new errors.InvalidGrant('grant request is invalid'), // docs/decisions-protocol.md D12
    }) as unknown as Configuration['adapter'],
    clients: clientMetadata(registrations),
    // OIDC Dynamic Client Registration §2: RS256 unless the registration names another (docs/decisions.md I103)
    clientDefaults: { id_token_signed_response_alg: 'RS256' },
    // docs/decisions.md I102: what is enabled is what every discovery document advertises (core advertisedSupport)
    clientAuthMethods: support.token_endpoint_auth_methods_supported,
    enabledJWA: {
      clientAuthSigningAlgValues: support.token_endpoint_auth_signing_alg_values_supported ?? [], // docs/decisions-protocol.md D2
      dPoPSigningAlgValues: support.dpop_signing_alg_values_supported, // RFC 9449 §5.1, docs/decisions-protocol.md D2
      idTokenSigningAlgValues: [...ID_TOKEN_ALGORITHMS],
    } as Configuration['enabledJWA'],
    // the first key signs, all are published (docs/decisions.md I78); the RSA key signs RS256 id_tokens (I103)
    jwks: { keys: [...(parts.signingKey.privateJwks as never[]), parts.idTokenRsaKey.privateJwk as never] },
    cookies: {
      keys: config.COOKIE_KEYS ? config.COOKIE_KEYS.split(',') : [randomBytes(32).toString('base64url')],
      names: { session: 'dva_session', interaction: 'dva_interaction', resume: 'dva_interaction_resume' },
    },
    interactions: { policy: launchPolicy(registrations), url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    // A launch (the PGO's preparation, a module's SMART launch) always gets a grant of its own:
    // it carries that launch's context and session limits (docs/protocol.md §4.7), never an older grant's.
    loadExistingGrant: async (ctx) => {
      const grantId = ctx.oidc.result?.consent?.grantId ?? (isLaunch(ctx, registrations) ? undefined : ctx.oidc.session?.grantIdFor(ctx.oidc.client!.clientId));
      return grantId ? ctx.oidc.provider.Grant.find(grantId) : undefined;
    },
    routes: {
      authorization: '/authorize',
      pushed_authorization_request: '/par',
      token: '/token',
      jwks: '/jwks',
      revocation: '/revoke',
      introspection: '/introspect',
      end_session: '/session/end',
      userinfo: '/userinfo',
    },
    scopes: [...STATIC_SCOPES],
    claims: { openid: ['sub'], fhirUser: ['fhirUser'] },
    conformIdTokenClaims: false, // SMART: fhirUser is an id_token claim (docs/oidc-provider-notes.md §2)
    acrValues: [config.ACR_VALUES, 'urn:medmij:oauth2:acr-value:digid'],
    responseTypes: ['code'],
    pkce: { required: () => true }, // docs/protocol.md §8 item 1, 14: PKCE S256 on every authorization request
    extraParams: parts.extraParams,
    assertJwtClientAuthClaimsAndHeader: clientAssertionPolicy(config.DVA_AUTH_URL, errors.InvalidClientAuth, parts.store), // docs/decisions-protocol.md D1; docs/decisions.md I53, I77
    // docs/oidc-provider-notes.md §3: oidc-provider's own fetch refuses loopback and private addresses (an SSRF guard for
    // dynamically registered clients). Here every jwks_uri comes from the operator's registrations
    // file, so the DVA fetches with its ordinary client, which also resolves *.localhost in the demo.
    fetch: ((url: URL | string, { dispatcher: _dispatcher, ...options }: RequestInit & { dispatcher?: unknown }) => parts.fetch(url, options)) as unknown as Configuration['fetch'],
    findAccount: async (_ctx, sub) => {
      const patient = patients.bySub(sub);
      if (!patient) return undefined;
      return { accountId: sub, claims: () => ({ sub, fhirUser: `Patient/${patient.patientId}` }) };
    },
    features: {
      devInteractions: { enabled: false },
      userinfo: { enabled: false }, // the identity check lives at the resource server (docs/identity-check-reference.md)
      rpInitiatedLogout: { enabled: false },
      // docs/protocol.md §4.6 step 2; RFC 7009 §2.1: a client revokes only its own tokens
      revocation: { enabled: true, allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId },
      // RFC 7662 §4: a client learns about its own tokens only
      introspection: { enabled: true, allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId },
      // docs/protocol.md §3.1.1 W1. oidc-provider gives a request_uri 60 s, shorter than the spec's 90 s example (Appendix B).
      pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: false },
      dPoP: {
        enabled: true, // docs/decisions-protocol.md D9
        nonceSecret: config.DPOP_NONCE_SECRET ? Buffer.from(config.DPOP_NONCE_SECRET, 'base64url') : randomBytes(32),
        requireNonce: () => config.DPOP_REQUIRE_NONCE, // RFC 9449 §8, docs/decisions-protocol.md D6
      },
      resourceIndicators: {
        enabled: true,
        // SMART `aud` is the FHIR base; the access token is always for it (docs/oidc-provider-notes.md §2)
        defaultResource: async () => fhirBase,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (ctx, resourceIndicator, client) => {
          if (resourceIndicator !== fhirBase) throw new errors.InvalidTarget();
          const registration = [...registrations.pgos, ...registrations.modules].find((r) => r.client_id === client.clientId);
          const module = isModule(registrations, client.clientId);
          return {
            scope: registration ? resourceScopes(registration).join(' ') : '',
            audience: fhirBase,
            accessTokenFormat: 'jwt',
            accessTokenTTL: module ? moduleTtl(ctx, config.ACCESS_TOKEN_TTL) : config.COLLECT_ACCESS_TOKEN_TTL,
            jwt: { sign: { alg: 'ES256' } },
          };
        },
      },
    },
    extraTokenClaims: async (_ctx, token) => {
      const extra = (token as { extra?: Record<string, unknown> }).extra ?? {}; // docs/oidc-provider-notes.md §4: merge, don't replace
      const grantId = (token as { grantId?: string }).grantId;
      const context = grantId ? await parts.grantContext(grantId) : undefined;
      const claims: Record<string, unknown> = { ...extra };
      if (grantId) claims.grant_id = grantId;
      if (context) claims.patient = context.patient;
      if (context?.kind === 'collect') {
        // for the 3a-P step-up decision (docs/protocol.md §3.1.2 step 3): when the person last logged in at DigiD
        const source = (_ctx.oidc.entities.AuthorizationCode ?? _ctx.oidc.entities.RefreshToken) as { authTime?: number } | undefined;
        if (source?.authTime) claims.auth_time = source.authTime;
      }
      if (context?.kind === 'module') claims.fhirContext = context.launch.resources.map((reference) => ({ reference }));
      // level S: the resource server limits a module token to its fhirContext; a standalone launch's is the person
      if (context?.kind === 'standalone') claims.fhirContext = [{ reference: `Patient/${context.patient}` }];
      Object.assign(claims, representationClaims(context, extra)); // docs/identity-check-reference.md: `act`, `representation`, `identity_grant`
      return claims;
    },
    ttl: {
      AccessToken: (ctx: KoaContextWithOIDC, _token: unknown, client: { clientId: string }) => (isModule(registrations, client.clientId) ? moduleTtl(ctx, config.ACCESS_TOKEN_TTL) : config.COLLECT_ACCESS_TOKEN_TTL),
      RefreshToken: (ctx: KoaContextWithOIDC, _token: unknown, client: { clientId: string }) => (isModule(registrations, client.clientId) ? moduleTtl(ctx, config.MAX_SESSION) : config.COLLECT_CONSENT_TTL),
      // docs/protocol.md §4.7: everything of a module launch is gone at max + grace
      Grant: (_ctx: unknown, _grant: unknown, client?: { clientId: string }) => (isModule(registrations, client?.clientId) ? config.MAX_SESSION + config.SESSION_GRACE : config.COLLECT_CONSENT_TTL),
      AuthorizationCode: 60,
      IdToken: 300,
      Interaction: 600,
      Session: 3600,
    } as unknown as Configuration['ttl'],
    rotateRefreshToken: true, // docs/protocol.md §4.7: sliding renewal
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = `<!doctype html><title>Error</title><h1>DVA: the request failed</h1><p data-testid="dva-error">${String(out.error).replace(/[<>&"]/g, '')}</p>`;
    },
  };

  const provider = new Provider(config.DVA_AUTH_URL, configuration);
  provider.proxy = config.TRUST_PROXY; // docs/oidc-provider-notes.md §1: only behind a TLS-terminating proxy
  return provider;
}
