import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { launchContextFields, revokedGrantKey, verifyJwtAccessToken, type AccessTokenClaims } from '@koppelmij/core';
import { refusedAsJwt } from '@koppelmij/service-kit';
import type { DvaAuth } from '../context.ts';
import { namedDpopRefusal } from './dpop-bound.ts';
import { representationResponse } from '../collect/representation.ts';

type Body = Record<string, unknown>;

/**
 * Koa post-middlewares on oidc-provider (docs/oidc-provider-notes.md §2: the only way to shape the token response):
 * - token: SMART launch context (`patient`, `fhirContext`, …, `return_url`) per the switches
 *   (docs/decisions-protocol.md D10, D11), and the full granted scope (docs/oidc-provider-notes.md gotcha 4);
 * - revocation: JWT access tokens are not stored, so revoking one revokes its grant, which
 *   takes the refresh token with it (docs/protocol.md §4.6 step 2) and reaches dva-fhir through the store;
 * - introspection: JWT access tokens are answered from their own claims (RFC 7662 §2.2).
 * oidc-provider refuses every JWT at those two endpoints (`unsupported_token_type`, after client
 * authentication); the hooks answer those requests instead.
 */
export function installTokenHooks(provider: Provider, dva: () => DvaAuth): void {
  provider.use(async (ctx, next) => {
    await next();
    const route = (ctx as KoaContextWithOIDC).oidc?.route;
    if (route === 'token' && ctx.status === 200) await shapeTokenResponse(ctx as KoaContextWithOIDC, dva());
    if (route === 'token' && ctx.status === 400) {
      grantTypeNotAllowed(ctx as KoaContextWithOIDC);
      namedDpopRefusal(ctx as KoaContextWithOIDC); // RFC 9449 §5.2
    }
    if (route === 'revocation' && refusedAsJwt(ctx as KoaContextWithOIDC)) await revokeJwtAccessToken(ctx as KoaContextWithOIDC, dva());
    if (route === 'introspection' && refusedAsJwt(ctx as KoaContextWithOIDC)) await introspectJwtAccessToken(ctx as KoaContextWithOIDC, dva());
  });
}

/**
 * RFC 6749 §5.2: a grant type the client is not registered for is `unauthorized_client`
 * (docs/security-checklists.md §2 (2)); oidc-provider answers `invalid_request`.
 */
function grantTypeNotAllowed(ctx: KoaContextWithOIDC): void {
  const body = ctx.body as Body | undefined;
  const grantType = ctx.oidc.params?.grant_type;
  if (body?.error !== 'invalid_request' || typeof grantType !== 'string' || !ctx.oidc.client || ctx.oidc.client.grantTypeAllowed(grantType)) return;
  ctx.body = { error: 'unauthorized_client', error_description: 'the client may not use this grant type' };
}

async function shapeTokenResponse(ctx: KoaContextWithOIDC, dva: DvaAuth): Promise<void> {
  const body = ctx.body as Body;
  const at = ctx.oidc.entities.AccessToken as { grantId?: string; scope?: string } | undefined;
  if (!body?.access_token || !at?.grantId) return;
  const context = await dva.grantContext.get(at.grantId);
  const { config } = dva;
  const source = (ctx.oidc.entities.AuthorizationCode ?? ctx.oidc.entities.RefreshToken) as { scopes?: Set<string> } | undefined;
  const grant = ctx.oidc.entities.Grant as { getOIDCScopeFiltered?(scopes: Set<string>): string } | undefined;
  if (source?.scopes && grant?.getOIDCScopeFiltered) body.scope = [grant.getOIDCScopeFiltered(source.scopes), at.scope].filter(Boolean).join(' ');
  if (context?.kind === 'module') {
    const [task, ...resources] = context.launch.resources;
    Object.assign(
      body,
      launchContextFields(
        { patient: context.patient, task, resources, fhirBase: config.DVA_FHIR_URL, returnUrl: context.launch.return_url },
        { patientFormat: config.PATIENT_FORMAT, taskDelivery: config.TASK_DELIVERY },
      ),
    );
  } else if (context?.kind === 'collect' || context?.kind === 'standalone') {
    body.patient = config.PATIENT_FORMAT === 'reference' ? `Patient/${context.patient}` : context.patient;
  }
  Object.assign(body, representationResponse(context, dva)); // docs/identity-check-reference.md: `act`, safeguard 4.2.4
}

async function verifyOwnAccessToken(token: unknown, dva: DvaAuth): Promise<AccessTokenClaims | undefined> {
  if (typeof token !== 'string' || token.split('.').length !== 3) return undefined;
  return verifyJwtAccessToken(token, { key: dva.signingKey.verifyKey, issuer: dva.config.DVA_AUTH_URL, audience: dva.config.DVA_FHIR_URL }).catch(() => undefined);
}

async function revokeJwtAccessToken(ctx: KoaContextWithOIDC, dva: DvaAuth): Promise<void> {
  const claims = await verifyOwnAccessToken(ctx.oidc.params?.token, dva);
  // RFC 7009 §2.2: also an invalid token is answered with 200
  ctx.status = 200;
  ctx.body = '';
  // RFC 7009 §2.1: only the client the token was issued to may revoke it
  if (!claims || claims.client_id !== ctx.oidc.client?.clientId || typeof claims.grant_id !== 'string') return;
  await dva.provider.AccessToken.adapter.revokeByGrantId(claims.grant_id);
  await dva.provider.Grant.adapter.destroy(claims.grant_id);
  await dva.audit.record({ type: 'token.revoked', client_id: claims.client_id, sub: claims.sub, outcome: 'success' });
}

async function introspectJwtAccessToken(ctx: KoaContextWithOIDC, dva: DvaAuth): Promise<void> {
  const claims = await verifyOwnAccessToken(ctx.oidc.params?.token, dva);
  ctx.status = 200;
  // RFC 7662 §2.2: anything not a live token of this DVA is `active: false`, without detail;
  // RFC 7662 §4: and so is another client's token (the same rule as oidc-provider's allowedPolicy)
  const foreign = claims?.client_id !== ctx.oidc.client?.clientId;
  if (!claims || foreign || (typeof claims.grant_id === 'string' && (await dva.store.get(revokedGrantKey(claims.grant_id))))) ctx.body = { active: false };
  else ctx.body = { ...claims, active: true, token_type: claims.cnf?.jkt ? 'DPoP' : 'Bearer' };
}
