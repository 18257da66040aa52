/**
 * Starting a module with option 1 (archived; docs/protocol.md §3.2, docs/option-1.md). After W0 the PGO runs
 * an authorization code flow at the DVA for that module (steps 3–4); the DVA correlates the
 * browser by its collect cookie or asks DigiD, and asks consent for the module (step 5). At
 * `GET /callback_option1` (step 6) the PGO redeems the code as the `actor_token` of 3a's token
 * exchange (step 7 [impl]) and sends the browser to the module with the launch code (step 8).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { PgoContext } from './context.ts';
import { authorizationUrl, startAuthorization } from '@koppelmij/core/authorization';
import { dvaIssuer, readCallback } from './callback.ts';
import type { LaunchStart, PreparedLaunch } from './launch-code.ts';
import { exchangeLaunchAuthorizationCode } from './launch-exchange.ts';
import { requireDossier } from './params.ts';

/** The redirect_uri of option 1's authorization (registered for the PGO at the DVA). */
export const OPTION_1_CALLBACK = '/callback_option1';

/** Steps 3–4: `state` bound to this session, PKCE, and the module named in `audience`. */
export async function startOption1(ctx: PgoContext, reply: FastifyReply, { session, launch }: LaunchStart): Promise<FastifyReply> {
  const { params, state, code_verifier } = startAuthorization({
    client_id: ctx.config.clientId,
    redirect_uri: `${ctx.config.pgoUrl}${OPTION_1_CALLBACK}`,
    scope: ctx.config.launchScope,
    // [impl] "how the DVA learns which module the consent in step 5 is for": as 3a's W1 names it
    params: { audience: launch.audience },
  });
  await ctx.sessions.saveFlow(session, state, { kind: 'launch-1', ...launch, codeVerifier: code_verifier });
  return reply.redirect(authorizationUrl(ctx.dva.authorizationEndpoint, params), 302);
}

/** Step 6, then steps 7–8. */
export function registerOption1(app: FastifyInstance, ctx: PgoContext): void {
  app.get(OPTION_1_CALLBACK, async (request, reply) => {
    // docs/protocol.md §8 item 24; RFC 6749 §10.12; RFC 9207 §2.4
    const { session, flow, code } = await readCallback(ctx.sessions, request, {
      kinds: ['launch-1'],
      ...dvaIssuer(ctx.config),
      foreign: 'Dit antwoord hoort niet bij een modulestart die in deze browser begon.',
      refused: 'Uw zorgaanbieder stond de start van de module niet toe',
    });
    requireDossier(session, flow.bsn);
    const launch: PreparedLaunch = { bsn: flow.bsn, taskId: flow.taskId, audience: flow.audience, address: flow.address };
    return exchangeLaunchAuthorizationCode(ctx, reply, launch, code, flow.codeVerifier);
  });
}
