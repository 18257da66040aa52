/**
 * Variant 3a-P (docs/protocol.md §3.1.2): the launch token by a direct back-channel token exchange
 * (step 2), with the optional 2025 step-up (step 3) when `LAUNCH_PREP_MODE=backchannel+stepup`.
 */
import type { FastifyReply } from 'fastify';
import { authorizationUrl, startAuthorization } from '@koppelmij/core/authorization';
import { GRANT_TYPE_TOKEN_EXCHANGE, TOKEN_TYPE } from '@koppelmij/core/token-exchange';
import type { PgoContext } from './context.ts';
import { UpstreamError } from './errors.ts';
import { launchCodeFrom, launchModule, type PreparedLaunch } from './launch-code.ts';
import { returnUrl } from './return.ts';
import type { Session } from './session.ts';

/** Step 2 (and 4–5): exchange, then W9; on `step_up_required` (step 3) the step-up when enabled. */
export async function launchBackchannel(
  ctx: PgoContext,
  reply: FastifyReply,
  session: Session,
  launch: PreparedLaunch,
  subjectToken: string,
): Promise<FastifyReply> {
  try {
    return launchModule(ctx, reply, launch, await exchange(ctx, launch, subjectToken));
  } catch (error) {
    if (!(ctx.config.launchPrepMode === 'backchannel+stepup' && isStepUpRequired(error))) throw error;
  }
  // Step 3: an authorization code flow at the DVA with a fresh login, back at /callback_stepup.
  const { params, state, code_verifier } = startAuthorization({
    client_id: ctx.config.clientId,
    redirect_uri: `${ctx.config.pgoUrl}/callback_stepup`,
    scope: ctx.registrations.pgo.scope,
    params: { prompt: 'login' }, // OIDC Core §3.1.2.1: the DVA must authenticate the person again
  });
  await ctx.sessions.saveFlow(session, state, { kind: 'step-up', ...launch, codeVerifier: code_verifier });
  return reply.redirect(authorizationUrl(ctx.dva.authorizationEndpoint, params), 302);
}

/**
 * Step 3, second half: the code from `/callback_stepup` becomes a new collect token, which
 * replaces the old one; the exchange is repeated once (a second step-up demand is an error).
 */
export async function completeStepUp(
  ctx: PgoContext,
  reply: FastifyReply,
  launch: PreparedLaunch,
  code: string,
  codeVerifier: string,
): Promise<FastifyReply> {
  const previous = await ctx.dossiers.collectToken(launch.bsn);
  const tokens = await ctx.dva.authorizationCodeGrant({ code, redirectUri: `${ctx.config.pgoUrl}/callback_stepup`, codeVerifier });
  // The step-up must be by the same person: a login as someone else must not replace this dossier's access.
  if (tokens.patient !== previous.patient) throw new UpstreamError('DVA', 'The care provider logged in another person than this dossier\u2019s.');
  await ctx.dossiers.saveTokens(launch.bsn, { ...tokens, patient: previous.patient });
  return launchModule(ctx, reply, launch, await exchange(ctx, launch, tokens.access_token));
}

/** docs/protocol.md §3.1.2 step 2 as a form body, with the `subject_token_type` RFC 8693 §2.1 requires. */
async function exchange(ctx: PgoContext, launch: PreparedLaunch, subjectToken: string): Promise<string> {
  const requested = ctx.config.tokenExchangeRequestedTokenType;
  const body = new URLSearchParams({
    grant_type: GRANT_TYPE_TOKEN_EXCHANGE,
    subject_token: subjectToken,
    subject_token_type: TOKEN_TYPE.ACCESS_TOKEN,
    requested_token_type: requested,
    // docs/protocol.md §3.1.4: the 2025 page says the DVA FHIR base, the walkthroughs the module client_id (§7.4 switch).
    audience: ctx.config.tokenExchangeAudience === 'dva-fhir-base' ? ctx.config.dvaFhirUrl : launch.audience,
    resource: `Task/${launch.taskId}`,
    return_url: returnUrl(ctx, launch.bsn, launch.taskId),
  });
  return launchCodeFrom(await ctx.dva.tokenExchange(body), requested); // step 4
}

// docs/protocol.md §3.1.2 step 3; Appendix A `step_up_required`.
function isStepUpRequired(error: unknown): boolean {
  return error instanceof UpstreamError && error.upstreamStatus === 400 && error.error === 'step_up_required';
}
