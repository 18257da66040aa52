/**
 * The PGO as SMART authorization server for options 2a and 2b (docs/protocol.md §1.3, §3.3, §3.4;
 * docs/option-2a-2b.md): the PGO FHIR base's SMART configuration, `/authorize` with its
 * interaction, and `/token`, whose answer carries the DVA's delegation (token-response.ts); for
 * integration level PS also the PGO's FHIR facade (pgo-domain/, docs/integration-levels.md).
 */
import type { FastifyInstance } from 'fastify';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { oauthServerMetadata, smartConfiguration, type SmartConfiguration } from '@koppelmij/core';
import { answerMissingClientAuthentication, answerPostOnly, answerStoreUnavailable, isLocalhostName, loadSigningKey, mountOidcProvider, RateLimiter, refusedAsJwt, refuseDpopBeforeEpoch } from '@koppelmij/service-kit';
import { pgoRateLimits } from '../rate-limits.ts';
import type { PgoContext } from '../context.ts';
import { allScopes, delegationModules, type DelegationModule } from './clients.ts';
import { registerSmartAsInteraction } from './interaction.ts';
import { launchTokens, pgoFhirBase } from './launch.ts';
import { PGO_AS_SUPPORT, createSmartAsProvider } from './provider.ts';
import { delegatedTokenResponse } from './token-response.ts';
import { registerFhirFacade } from '../pgo-domain/fhir-facade.ts';
import { revokePgoAccessToken } from '../pgo-domain/revocation.ts';

export { startDelegatedLaunch, type DelegationOption } from './launch.ts';

/** The oidc-provider endpoints, at the PGO's root (docs/protocol.md §1.3: `{PGO_URL}/authorize`, `{PGO_URL}/token`). */
const PROVIDER_PATHS = ['/authorize', '/authorize/:uid', '/token', '/revoke', '/.well-known/oauth-authorization-server']; // RFC 8414 §3 at the issuer

/**
 * Mounts the authorization server when the registrations hold 2a/2b modules; without any, the
 * PGO serves none of it.
 */
export async function registerSmartAs(app: FastifyInstance, ctx: PgoContext): Promise<void> {
  const modules = delegationModules(ctx.config);
  if (modules.length === 0) return;
  const tokens = launchTokens(ctx.store);
  const signingKey = await loadSigningKey(ctx.config.asSigningJwks); // its own keys: never the PGO's client key at the DVA
  const provider = createSmartAsProvider({ config: ctx.config, store: ctx.store, modules, launchTokens: tokens, signingKey, fetch: ctx.fetch });
  answerMissingClientAuthentication(provider); // RFC 6749 §5.2; docs/decisions.md I146
  // the PGO's own access tokens (level PS): where they are valid, and where revocations are kept
  const pgoTokens = { issuer: ctx.config.pgoUrl, fhirBase: pgoFhirBase(ctx), signingKey, store: ctx.store };
  provider.use(async (kctx, next) => {
    await next();
    const oidc = kctx as KoaContextWithOIDC;
    if (oidc.oidc?.route === 'token' && kctx.status === 200) await delegatedTokenResponse(oidc, ctx, ctx.store, app.log, signingKey);
    if (oidc.oidc?.route === 'revocation' && refusedAsJwt(oidc)) {
      await revokePgoAccessToken(oidc, pgoTokens);
    }
  });
  // docs/protocol.md §5 level PS: the PGO's own FHIR facade, where only its own access tokens count
  if (modules.some((m) => m.integration_level === 'PS')) {
    await registerFhirFacade(app, pgoTokens);
  }
  provider.on('server_error', (_kctx, error) => app.log.error({ err: error }, 'PGO authorization server error'));
  answerStoreUnavailable(provider); // fail closed: 503, docs/decisions.md I75

  const smart = pgoSmartConfiguration(ctx, modules);
  // RFC 8414 §2: the metadata of a server that identifies nobody (docs/protocol.md §3.3), from the
  // same values as the smart-configuration; no jwks_uri, as it signs nothing a client verifies
  // (docs/decisions.md I147)
  const supported = { ...smart, jwks_uri: undefined };
  provider.use(async (kctx, next) => {
    await next();
    if ((kctx as KoaContextWithOIDC).oidc?.route === 'discovery' && kctx.status === 200) kctx.body = oauthServerMetadata(kctx.body as Record<string, unknown>, supported);
  });
  app.get('/fhir/.well-known/smart-configuration', async (_request, reply) => reply.type('application/json').send(smart));
  registerSmartAsInteraction(app, ctx, { provider, store: ctx.store, launchTokens: tokens });
  answerPostOnly(app, ['/token', '/revoke']); // RFC 6749 §3.2, RFC 7009 §2.1; docs/decisions.md I146
  refuseDpopBeforeEpoch(app, ctx.store, ['/token']); // docs/decisions.md I77
  // docs/decisions.md I58: a per-client quota at the token endpoint
  await mountOidcProvider(app, provider, PROVIDER_PATHS, { clientQuota: { limiter: new RateLimiter(ctx.store), limits: { '/token': pgoRateLimits(ctx.config).token } } });
}

/** SMART App Launch 2.x discovery of `{PGO_URL}/fhir`, the `iss` of a 2a/2b launch (docs/protocol.md §3.3 step 4). */
function pgoSmartConfiguration(ctx: PgoContext, modules: readonly DelegationModule[]): SmartConfiguration {
  const { pgoUrl } = ctx.config;
  const { code_challenge_methods_supported: _s256, ...advertised } = PGO_AS_SUPPORT;
  return smartConfiguration(
    {
      issuer: pgoUrl,
      authorization_endpoint: `${pgoUrl}/authorize`,
      token_endpoint: `${pgoUrl}/token`,
      revocation_endpoint: `${pgoUrl}/revoke`,
      grant_types_supported: ['authorization_code'],
      ...advertised, // docs/decisions.md I102: the provider is configured from the same values
      scopes_supported: allScopes(modules),
      response_types_supported: ['code'],
      capabilities: ['launch-ehr', 'context-ehr-patient', 'client-confidential-asymmetric', 'permission-patient', 'permission-v1'],
    },
    { allowHttp: isLocalhostName(new URL(pgoFhirBase(ctx)).hostname) },
  );
}
