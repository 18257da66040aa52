/**
 * Option 3a (docs/protocol.md §3.1; docs/option-3a.md) after W0: either 3a-W (W1–W3 here; the DVA answers
 * W4/W5; W6–W9 at `GET /callback_stepup`) or 3a-P (launch-backchannel.ts), by `LAUNCH_PREP_MODE`.
 * `/callback_stepup` also completes 3a-P's step-up.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { authorizationUrl, startAuthorization } from '@koppelmij/core/authorization';
import { ACR_LAUNCH_AUTHORIZATION, TOKEN_TYPE } from '@koppelmij/core/token-exchange';
import { dvaIssuer, readCallback } from './callback.ts';
import type { PgoContext } from './context.ts';
import { completeStepUp, launchBackchannel } from './launch-backchannel.ts';
import type { LaunchStart, PreparedLaunch } from './launch-code.ts';
import { exchangeLaunchAuthorizationCode } from './launch-exchange.ts';
import { requireDossier } from './params.ts';

/** The start of option 3a: 3a-W with PAR and the launch cookie, or 3a-P by back channel. */
export function startOption3a(ctx: PgoContext, reply: FastifyReply, { session, launch, collect }: LaunchStart): Promise<FastifyReply> {
  if (ctx.config.launchPrepMode === 'par-cookie') return pushLaunchAuthorization(ctx, reply, session, launch, collect.accessToken);
  return launchBackchannel(ctx, reply, session, launch, collect.accessToken);
}

/** `GET /callback_stepup`: W6 of 3a-W, and step 3 of 3a-P's step-up. */
export function registerOption3a(app: FastifyInstance, ctx: PgoContext): void {
  app.get('/callback_stepup', async (request, reply) => {
    // W6: "The PGO aborts on a state mismatch" (docs/protocol.md §8 item 24); RFC 9207 §2.4
    const { session, flow, code } = await readCallback(ctx.sessions, request, {
      kinds: ['launch', 'step-up'],
      ...dvaIssuer(ctx.config),
      foreign: 'Dit antwoord hoort niet bij een modulestart die in deze browser begon.',
      refused: 'Uw zorgaanbieder stond de start van de module niet toe',
    });
    requireDossier(session, flow.bsn);
    const launch: PreparedLaunch = { bsn: flow.bsn, taskId: flow.taskId, audience: flow.audience, address: flow.address };
    if (flow.kind === 'step-up') return completeStepUp(ctx, reply, launch, code, flow.codeVerifier);
    return exchangeLaunchAuthorizationCode(ctx, reply, launch, code, flow.codeVerifier);
  });
}

/** W1–W3: PAR with the collect token as `subject_token`, then the browser to `/authorize`. */
async function pushLaunchAuthorization(
  ctx: PgoContext,
  reply: FastifyReply,
  session: LaunchStart['session'],
  launch: PreparedLaunch,
  subjectToken: string,
): Promise<FastifyReply> {
  // W1 (docs/protocol.md §3.1.1 table; client_id and client authentication are added by the DVA client)
  const { params, state, code_verifier } = startAuthorization({
    redirect_uri: `${ctx.config.pgoUrl}/callback_stepup`,
    scope: ctx.config.launchScope,
    params: { audience: launch.audience, subject_token: subjectToken, subject_token_type: TOKEN_TYPE.ACCESS_TOKEN, acr_values: ACR_LAUNCH_AUTHORIZATION },
  });
  await ctx.sessions.saveFlow(session, state, { kind: 'launch', ...launch, codeVerifier: code_verifier });
  const { requestUri } = await ctx.dva.pushAuthorizationRequest(params);
  // W3; RFC 9126 §4: only client_id and request_uri (state is inside the pushed request).
  return reply.redirect(authorizationUrl(ctx.dva.authorizationEndpoint, { client_id: ctx.config.clientId, request_uri: requestUri }), 302);
}
