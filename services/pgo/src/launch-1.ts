/**
 * Starting a module with option 1 (archived; spec §3.2, docs/option-1.md). After W0 the PGO runs
 * an authorization code flow at the DVA for that module (steps 3–4); the DVA correlates the
 * browser by its collect cookie or asks DigiD, and asks consent for the module (step 5). At
 * `GET /callback_option1` (step 6) the PGO redeems the code as the `actor_token` of 3a's token
 * exchange (step 7 [impl]) and sends the browser to the module with the launch code (step 8).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { PgoContext } from './context.ts';
import { BadRequest, errorCode } from './errors.ts';
import { exchangeLaunchAuthorizationCode } from './launch-3a.ts';
import type { PreparedLaunch } from './launch-code.ts';
import { checkResponseIssuer, queryParam, requireDossier } from './params.ts';
import { createPkce } from './pkce.ts';
import type { Session } from './session.ts';

/** The redirect_uri of option 1's authorization (registered for the PGO at the DVA). */
export const OPTION_1_CALLBACK = '/callback_option1';

/** Steps 3–4: `state` bound to this session, PKCE, and the module named in `audience`. */
export async function startOption1(ctx: PgoContext, reply: FastifyReply, session: Session, launch: PreparedLaunch): Promise<FastifyReply> {
  const pkce = createPkce();
  const state = await ctx.sessions.beginFlow(session, { kind: 'launch-1', ...launch, codeVerifier: pkce.codeVerifier });
  const url = new URL(ctx.dva.authorizationEndpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: ctx.config.clientId,
    redirect_uri: `${ctx.config.pgoUrl}${OPTION_1_CALLBACK}`,
    scope: ctx.config.launchScope,
    state,
    code_challenge: pkce.codeChallenge,
    code_challenge_method: 'S256',
    // [impl] "how the DVA learns which module the consent in step 5 is for": as 3a's W1 names it
    audience: launch.audience,
  }).toString();
  return reply.redirect(url.href, 302);
}

/** Step 6, then steps 7–8. */
export function registerOption1(app: FastifyInstance, ctx: PgoContext): void {
  app.get(OPTION_1_CALLBACK, async (request, reply) => {
    const state = queryParam(request, 'state');
    if (state === undefined) throw new BadRequest('The answer from the care provider has no state.');
    const session = await ctx.sessions.load(request);
    const flow = await ctx.sessions.takeFlow(session, state);
    // spec §8 item 24; RFC 6749 §10.12
    if (flow?.kind !== 'launch-1') throw new BadRequest('This answer does not belong to a module launch started in this browser.');
    requireDossier(session, flow.bsn);
    checkResponseIssuer(request, ctx.config.dvaAuthUrl);
    const error = queryParam(request, 'error');
    if (error !== undefined) throw new BadRequest(`The care provider did not allow the launch (${errorCode(error) ?? 'error'}).`);
    const code = queryParam(request, 'code');
    if (code === undefined) throw new BadRequest('The answer from the care provider has no code.');
    const launch: PreparedLaunch = { bsn: flow.bsn, taskId: flow.taskId, audience: flow.audience, address: flow.address };
    return exchangeLaunchAuthorizationCode(ctx, reply, launch, code, flow.codeVerifier);
  });
}
