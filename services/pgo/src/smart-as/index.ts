/**
 * The PGO as SMART authorization server for options 2a and 2b (spec §1.3, §3.3, §3.4;
 * docs/option-2a-2b.md): the PGO FHIR base's SMART configuration, `/authorize` with its
 * interaction, and `/token`, whose answer carries the DVA's delegation (token-response.ts); for
 * integration level PS also the PGO's FHIR facade (pgo-domain/, docs/integration-levels.md).
 */
import type { FastifyInstance } from 'fastify';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { DPOP_ALGORITHMS, smartConfiguration, type SmartConfiguration } from '@koppelmij/core';
import { answerStoreUnavailable, isLocalhostName, loadSigningKey, mountOidcProvider, refusedAsJwt, refuseDpopBeforeEpoch } from '@koppelmij/service-kit';
import type { PgoContext } from '../context.ts';
import { allScopes, delegationModules, type DelegationModule } from './clients.ts';
import { registerSmartAsInteraction } from './interaction.ts';
import { launchTokens, pgoFhirBase } from './launch.ts';
import { createSmartAsProvider } from './provider.ts';
import { delegatedTokenResponse } from './token-response.ts';
import { registerFhirFacade } from '../pgo-domain/fhir-facade.ts';
import { revokePgoAccessToken } from '../pgo-domain/revocation.ts';

export { startDelegatedLaunch, type DelegationOption } from './launch.ts';

/** The oidc-provider endpoints, at the PGO's root (spec §1.3: `{PGO_URL}/authorize`, `{PGO_URL}/token`). */
const PROVIDER_PATHS = ['/authorize', '/authorize/:uid', '/token', '/revoke'];

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
  // spec §5 level PS: the PGO's own FHIR facade, where only its own access tokens count
  if (modules.some((m) => m.integration_level === 'PS')) {
    await registerFhirFacade(app, pgoTokens);
  }
  provider.on('server_error', (_kctx, error) => app.log.error({ err: error }, 'PGO authorization server error'));
  answerStoreUnavailable(provider); // fail closed: 503, docs/decisions.md I75

  const smart = pgoSmartConfiguration(ctx, modules);
  app.get('/fhir/.well-known/smart-configuration', async (_request, reply) => reply.type('application/json').send(smart));
  registerSmartAsInteraction(app, ctx, { provider, store: ctx.store, launchTokens: tokens });
  refuseDpopBeforeEpoch(app, ctx.store, ['/token']); // docs/decisions.md I77
  await mountOidcProvider(app, provider, PROVIDER_PATHS);
}

/** SMART App Launch 2.x discovery of `{PGO_URL}/fhir`, the `iss` of a 2a/2b launch (spec §3.3 step 4). */
function pgoSmartConfiguration(ctx: PgoContext, modules: readonly DelegationModule[]): SmartConfiguration {
  const { pgoUrl } = ctx.config;
  return smartConfiguration(
    {
      issuer: pgoUrl,
      authorization_endpoint: `${pgoUrl}/authorize`,
      token_endpoint: `${pgoUrl}/token`,
      revocation_endpoint: `${pgoUrl}/revoke`,
      grant_types_supported: ['authorization_code'],
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: ['ES256'],
      scopes_supported: allScopes(modules),
      response_types_supported: ['code'],
      capabilities: ['launch-ehr', 'context-ehr-patient', 'client-confidential-asymmetric', 'permission-patient', 'permission-v1'],
      dpop_signing_alg_values_supported: [...DPOP_ALGORITHMS],
    },
    { allowHttp: isLocalhostName(new URL(pgoFhirBase(ctx)).hostname) },
  );
}
