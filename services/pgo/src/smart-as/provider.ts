/**
 * The PGO as SMART authorization server of options 2a and 2b (docs/protocol.md §1.3, §3.3 steps 6–8): an
 * oidc-provider at the PGO's origin with `/authorize` and `/token`, for the 2a/2b modules and
 * those of level PS. The token response becomes the DVA's delegation token (2a), the temporary
 * token (2b) or, for PS only, a PGO access token for its FHIR facade (token-response.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import Provider, { errors, interactionPolicy, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { calculateJwkThumbprint, decodeProtectedHeader, type JWK } from 'jose';
import { InvalidGrant, advertisedSupport, assertionBindsProof, checkPresentedLaunchCode, createOidcAdapter, readCnfJkt, type KeyValueStore, type LaunchCodes } from '@koppelmij/core';
import { clientAssertionPolicy, escapeHtml, type SigningKey } from '@koppelmij/service-kit';
import type { PgoConfig } from '../config.ts';
import { allScopes, clientMetadata, offeredScopes, type DelegationModule } from './clients.ts';
import { pgoFhirBase, type PgoLaunch } from './launch.ts';

export interface SmartAsParts {
  config: PgoConfig;
  store: KeyValueStore;
  modules: readonly DelegationModule[];
  launchTokens: LaunchCodes<PgoLaunch>;
  /** Signs nothing a peer verifies (no id_token, opaque codes); oidc-provider needs a key set. */
  signingKey: SigningKey;
  fetch: typeof fetch;
}

/** What this server enables and advertises (core advertisedSupport; docs/decisions.md I102): RFC 7523 assertions only. */
export const PGO_AS_SUPPORT = advertisedSupport(['private_key_jwt']);

/** The assertion's `cnf.jkt` per token request, read after its signature verified (docs/oidc-provider-notes.md §3 (a)). */
export const assertionCnf = new WeakMap<object, string>();

/**
 * Every request here is a launch: the login prompt asks until the PGO's interaction has taken
 * the launch token and checked the session (docs/protocol.md §3.3 step 7; decision I6's reasoning).
 */
function launchPolicy() {
  const policy = interactionPolicy.base();
  policy.get('login')!.checks.add(
    new interactionPolicy.Check('koppelmij_launch', 'the launch is verified at the PGO', (ctx) =>
      (ctx.oidc.result as { koppelmij?: { launch?: boolean } } | undefined)?.koppelmij?.launch ? interactionPolicy.Check.NO_NEED_TO_PROMPT : interactionPolicy.Check.REQUEST_PROMPT,
    ),
  );
  return policy;
}

/** The oidc-provider of the PGO's SMART authorization server. */
export function createSmartAsProvider(parts: SmartAsParts): Provider {
  const { config, modules } = parts;
  const byId = new Map(modules.map((m) => [m.client_id, m]));
  const assertionPolicy = clientAssertionPolicy(config.pgoUrl, errors.InvalidClientAuth, parts.store);
  const nonceSecret = config.asDpopNonceSecret ? Buffer.from(config.asDpopNonceSecret, 'base64url') : randomBytes(32);

  const configuration: Configuration = {
    adapter: createOidcAdapter(parts.store, { onConsumeConflict: () => new errors.InvalidGrant('grant request is invalid') }) as unknown as Configuration['adapter'], // D12
    clients: clientMetadata(modules),
    clientDefaults: { id_token_signed_response_alg: 'ES256' },
    clientAuthMethods: PGO_AS_SUPPORT.token_endpoint_auth_methods_supported, // docs/protocol.md §3.3 step 8: RFC 7523
    jwks: { keys: parts.signingKey.privateJwks as never[] }, // the first key signs, all are published (docs/decisions.md I78)
    cookies: {
      // one key per purpose, derived from the PGO's cookie secret
      keys: [createHash('sha256').update(`pgo-as-cookies:${config.cookieSecret}`).digest('base64url')],
      names: { session: 'pgo_as_session', interaction: 'pgo_as_interaction', resume: 'pgo_as_resume' },
    },
    interactions: { policy: launchPolicy(), url: (_ctx, interaction) => `/as/interaction/${interaction.uid}` },
    // every launch gets a grant of its own, made by the interaction (decision I6's reasoning)
    loadExistingGrant: async (ctx) => {
      const grantId = ctx.oidc.result?.consent?.grantId;
      return grantId ? ctx.oidc.provider.Grant.find(grantId) : undefined;
    },
    routes: { authorization: '/authorize', token: '/token', revocation: '/revoke', jwks: '/as/jwks' },
    scopes: allScopes(modules),
    responseTypes: ['code'],
    pkce: { required: () => true }, // docs/protocol.md §8 item 14 at this AS too
    extraParams: extraParams(parts, byId),
    // docs/decisions.md I101, I102: what the smart-configuration advertises
    enabledJWA: {
      clientAuthSigningAlgValues: PGO_AS_SUPPORT.token_endpoint_auth_signing_alg_values_supported ?? [],
      dPoPSigningAlgValues: PGO_AS_SUPPORT.dpop_signing_alg_values_supported,
    } as Configuration['enabledJWA'],
    // docs/oidc-provider-notes.md §3: the registered jwks_uri comes from the operator's file; the demo's are loopback
    fetch: ((url: URL | string, { dispatcher: _dispatcher, ...options }: RequestInit & { dispatcher?: unknown }) => parts.fetch(url, options)) as unknown as Configuration['fetch'],
    findAccount: async (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
    // the DVA's policy at every endpoint (docs/decisions-protocol.md D1; docs/decisions.md I53, I145), then, at the
    // token endpoint, docs/security-checklists.md §3 (10): the assertion's cnf.jkt is the key of this very
    // request's DPoP proof (RFC 9449 §11.11); so an assertion without cnf fails here too. A missing
    // or unreadable proof is left to the grant's DPoP check, which runs after client authentication.
    assertJwtClientAuthClaimsAndHeader: async (ctx, claims, header, client) => {
      await assertionPolicy(ctx, claims, header, client);
      if (ctx.oidc.route !== 'token') return;
      const cnf = readCnfJkt(claims.cnf);
      const jkt = cnf.present ? cnf.jkt : undefined;
      const proofJkt = await proofThumbprint(ctx.get('dpop'));
      if (proofJkt !== undefined && !assertionBindsProof(jkt, proofJkt)) throw new errors.InvalidClientAuth('client assertion cnf.jkt is not the DPoP proof key');
      if (jkt !== undefined) assertionCnf.set(ctx, jkt);
    },
    features: {
      devInteractions: { enabled: false },
      userinfo: { enabled: false },
      revocation: { enabled: true }, // RFC 7009: terugkeer step 2 of a level PS module (pgo-domain/revocation.ts)
      introspection: { enabled: false },
      pushedAuthorizationRequests: { enabled: false }, // not mounted (index.ts), so not advertised (RFC 9126 §5)
      rpInitiatedLogout: { enabled: false },
      // docs/protocol.md §3.3 step 5: DPoP is mandatory; nonces per RFC 9449 §8 (docs/decisions-protocol.md D6)
      dPoP: { enabled: true, nonceSecret, requireNonce: () => true },
    },
    issueRefreshToken: async () => false, // the module's tokens come from the DVA (2a) or are one-time (2b)
    ttl: { AccessToken: 60, AuthorizationCode: 60, Grant: 600, IdToken: 60, Interaction: 600, Session: 600 },
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = `<!doctype html><title>Error</title><h1>PGO: the request failed</h1><p data-testid="pgo-as-error">${escapeHtml(String(out.error))}</p>`;
    },
  };

  const provider = new Provider(config.pgoUrl, configuration);
  provider.proxy = false; // X-Forwarded-* is not trusted (decision I13); run it where PGO_URL's scheme and host reach it
  return provider;
}

type Validator = (ctx: KoaContextWithOIDC, value: string | undefined, client: { clientId: string }) => Promise<void>;

function extraParams(parts: SmartAsParts, byId: ReadonlyMap<string, DelegationModule>): NonNullable<Configuration['extraParams']> {
  /** docs/protocol.md §3.3 step 6–7; §8 items 11–12 at the PGO: a live launch token of this module. */
  const launch: Validator = async (_ctx, value, client) => {
    if (value === undefined) throw new errors.InvalidRequest('launch is required');
    // docs/decisions-protocol.md D8: a live launch token in another module's hands is burned
    await checkPresentedLaunchCode(parts.launchTokens, value, client.clientId).catch((error: unknown) => {
      throw error instanceof InvalidGrant ? new errors.InvalidRequest('launch is invalid, expired or already used') : error;
    });
  };
  /** SMART App Launch: `aud` is the FHIR base the launch named, here the PGO's. */
  const aud: Validator = async (_ctx, value) => {
    if (value !== pgoFhirBase(parts)) throw new errors.InvalidRequest('aud must be the FHIR base URL of this PGO');
  };
  /** Nothing beyond the registration (docs/protocol.md §8 item 15), and never `openid`: this server identifies nobody (docs/protocol.md §3.3 "Issues"). */
  const scope: Validator = async (_ctx, value, client) => {
    if (value === undefined) return;
    const allowed = new Set(offeredScopes(byId.get(client.clientId)?.scope ?? ''));
    if (value.split(' ').some((s) => s !== '' && !allowed.has(s))) throw new errors.InvalidScope('requested scope is not allowed', value);
  };
  return { launch, aud, scope } as unknown as NonNullable<Configuration['extraParams']>;
}

/** The RFC 7638 thumbprint of the `jwk` in a DPoP proof's header, unverified (the grant verifies it). */
async function proofThumbprint(proof: string | undefined): Promise<string | undefined> {
  if (!proof) return undefined;
  try {
    return await calculateJwkThumbprint(decodeProtectedHeader(proof).jwk as JWK);
  } catch {
    return undefined;
  }
}
