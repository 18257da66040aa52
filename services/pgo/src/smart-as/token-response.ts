/**
 * What the PGO's /token answers the module (docs/protocol.md §3.3 steps 9–11, §3.4 steps 9–10): oidc-provider
 * has authenticated the module (with `cnf.jkt`), redeemed the code with PKCE and verified the
 * DPoP proof; this post-middleware (docs/oidc-provider-notes.md §2) then replaces its answer. The PGO's own access
 * token is destroyed at once: the module gets the DVA's delegation token (2a) or the temporary
 * token (2b), never a PGO token; only a module of level PS gets one, for the PGO's own FHIR
 * facade (pgo-domain/launch.ts).
 */
import type { FastifyBaseLogger } from 'fastify';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { GRANT_TYPE_TOKEN_EXCHANGE, TOKEN_TYPE, TOKEN_TYPE_N_A, assertionBindsProof, type KeyValueStore } from '@koppelmij/core';
import type { PgoContext } from '../context.ts';
import { UpstreamError } from '../errors.ts';
import { returnUrl } from '../return.ts';
import { grantLaunchKey } from './interaction.ts';
import type { SigningKey } from '@koppelmij/service-kit';
import { pgoDomainTokenResponse } from '../pgo-domain/launch.ts';
import type { PgoLaunch, TaskLaunch } from './launch.ts';
import { assertionCnf } from './provider.ts';

type Body = Record<string, unknown>;

/** Replaces a successful token response of the PGO's authorization server. */
export async function delegatedTokenResponse(kctx: KoaContextWithOIDC, ctx: PgoContext, store: KeyValueStore, log: FastifyBaseLogger, signingKey: SigningKey): Promise<void> {
  const at = kctx.oidc.entities.AccessToken as { jkt?: string; scope?: string; destroy(): Promise<void> } | undefined;
  const code = kctx.oidc.entities.AuthorizationCode as { grantId?: string } | undefined;
  await at?.destroy();
  // one code per grant, one token response per launch (docs/decisions-protocol.md D12)
  const launch = code?.grantId ? await store.take<PgoLaunch>(grantLaunchKey(code.grantId)) : undefined;
  // docs/security-checklists.md §1.2: the code grant bound the proof's key; it must be the assertion's cnf.jkt
  if (!launch || !at?.jkt || !assertionBindsProof(assertionCnf.get(kctx), at.jkt)) return refuse(kctx, 'the grant cannot be delegated');
  // docs/protocol.md §5 level PS: the PGO's own token for its FHIR facade; no Task, no DVA (docs/integration-levels.md)
  if (launch.option === 'PS') {
    kctx.body = await pgoDomainTokenResponse(ctx, signingKey, launch, { jkt: at.jkt, scope: at.scope });
    return;
  }
  try {
    kctx.body = launch.option === '2a' ? await delegationToken(kctx, ctx, launch) : await temporaryToken(ctx, launch, at.scope);
  } catch (error) {
    log.warn({ err: error, client_id: launch.audience }, 'delegation refused'); // the module learns only that the DVA refused
    return refuse(kctx, 'the care provider refused the delegation');
  }
}

/** Option 2a, steps 9–11: the PGO exchanges, forwarding the module's assertion as `actor_token`. */
async function delegationToken(kctx: KoaContextWithOIDC, ctx: PgoContext, launch: TaskLaunch): Promise<Body> {
  const { accessToken } = await ctx.dossiers.collectToken(launch.bsn);
  const response = await ctx.dva.tokenExchange(
    new URLSearchParams({
      grant_type: GRANT_TYPE_TOKEN_EXCHANGE,
      subject_token: accessToken,
      subject_token_type: TOKEN_TYPE.ACCESS_TOKEN,
      // the assertion oidc-provider just verified as this request's client authentication (docs/protocol.md §3.3 step 9)
      actor_token: String(kctx.oidc.params!.client_assertion),
      actor_token_type: TOKEN_TYPE.JWT, // RFC 8693 §3
      requested_token_type: TOKEN_TYPE.ACCESS_TOKEN,
      resource: `Task/${launch.taskId}`,
      return_url: returnUrl(ctx, launch.bsn, launch.taskId),
    }),
  );
  // step 10: a DPoP delegation token, nothing else, never a refresh token
  if (response.issued_token_type !== TOKEN_TYPE.ACCESS_TOKEN || response.token_type !== 'DPoP') {
    throw new UpstreamError('DVA', 'The DVA issued no DPoP-bound delegation token.');
  }
  const { issued_token_type: _type, refresh_token: _refresh, ...body } = response as Body;
  // step 11: the launch context as the DVA sent it, plus the non-standard `aud`: where to use the token
  return { ...body, aud: ctx.config.dvaFhirUrl };
}

/** Option 2b, steps 9–10: the temporary token, which the PGO obtains from the DVA (docs/option-2a-2b.md). */
async function temporaryToken(ctx: PgoContext, launch: TaskLaunch, scope: string | undefined): Promise<Body> {
  const { accessToken } = await ctx.dossiers.collectToken(launch.bsn);
  const response = await ctx.dva.tokenExchange(
    new URLSearchParams({
      grant_type: GRANT_TYPE_TOKEN_EXCHANGE,
      subject_token: accessToken,
      subject_token_type: TOKEN_TYPE.ACCESS_TOKEN,
      requested_token_type: TOKEN_TYPE.TEMPORARY_EXCHANGE_TOKEN,
      audience: launch.audience,
      resource: `Task/${launch.taskId}`,
      return_url: returnUrl(ctx, launch.bsn, launch.taskId),
    }),
  );
  if (response.issued_token_type !== TOKEN_TYPE.TEMPORARY_EXCHANGE_TOKEN || response.token_type !== TOKEN_TYPE_N_A) {
    throw new UpstreamError('DVA', 'The DVA issued no temporary token.');
  }
  return {
    access_token: response.access_token,
    // RFC 8693 §2.2.1: not usable as an access token (the spec's example says Bearer; docs/option-2a-2b.md)
    token_type: TOKEN_TYPE_N_A,
    issued_token_type: TOKEN_TYPE.TEMPORARY_EXCHANGE_TOKEN,
    expires_in: response.expires_in,
    ...(scope && { scope }),
    token_exchange_endpoint: `${ctx.config.dvaAuthUrl}/token`,
    resource_server: ctx.config.dvaFhirUrl,
  };
}

// RFC 6749 §5.2: the code is spent; the module must start again from the PGO.
function refuse(kctx: KoaContextWithOIDC, description: string): void {
  kctx.status = 400;
  kctx.body = { error: 'invalid_grant', error_description: description };
}
