/**
 * Starting a module with option 3a. `POST /dossier/:bsn/tasks/:taskId/start` runs W0, then
 * either 3a-W (W1–W3 here; the DVA answers W4/W5; W6–W9 at `GET /callback_stepup`) or 3a-P
 * (launch-backchannel.ts). Only the launch code reaches the browser (spec §8 item 26).
 * The same route dispatches by the module's registered launch option (1: launch-1.ts, 2a/2b:
 * smart-as/, 3b: launch-3b.ts) and level (TL: launch-link.ts).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { startAuthorization } from '@koppelmij/core/authorization';
import { ACR_LAUNCH_AUTHORIZATION, GRANT_TYPE_TOKEN_EXCHANGE, TOKEN_TYPE } from '@koppelmij/core/token-exchange';
import { dvaIssuer, readCallback } from './callback.ts';
import { resolveLaunchTarget } from './chain.ts';
import type { PgoContext } from './context.ts';
import { isFinished } from './dossier-store.ts';
import { Conflict, NotFound, PageError } from './errors.ts';
import { FhirClient } from './fhir.ts';
import { launchBackchannel, completeStepUp } from './launch-backchannel.ts';
import { launchCodeFrom, launchModule, type PreparedLaunch } from './launch-code.ts';
import { startOption1 } from './launch-1.ts';
import { startOption3b } from './launch-3b.ts';
import { openTaskLink } from './launch-link.ts';
import { pathParam, requireDossier } from './params.ts';
import { returnUrl } from './return.ts';
import { checkCsrf, type Session } from './session.ts';
import { startDelegatedLaunch } from './smart-as/index.ts';
import { isFhirId } from '@koppelmij/core/fhir';

export function registerLaunch(app: FastifyInstance, ctx: PgoContext): void {
  const { config, sessions, dossiers, registrations } = ctx;

  app.post('/dossier/:bsn/tasks/:taskId/start', async (request, reply) => {
    const { session, dossier } = requireDossier(await sessions.load(request), pathParam(request, 'bsn'));
    checkCsrf(session, request.body);
    const taskId = pathParam(request, 'taskId');
    const data = await dossiers.data(dossier.bsn);
    // Only a Task this dossier collected can be started.
    if (!isFhirId(taskId) || !data?.tasks.some((t) => t.id === taskId)) throw new NotFound('This dossier has no such task.');

    // W0 (spec §6.6), always fresh: the collected summary may be stale.
    const { accessToken, patient } = await dossiers.collectToken(dossier.bsn);
    const target = await resolveLaunchTarget(new FhirClient({ base: config.dvaFhirUrl, accessToken, fetch: ctx.fetch }), taskId);
    // spec §5 level TL: the Endpoint names a link of the PGO's catalogue; opened without launch or data
    if (registrations.catalogue.get(target.clientId)?.integrationLevel === 'TL') return openTaskLink(reply, target.launchUrl);
    const module = registrations.modules.get(target.clientId);
    if (!module) throw new PageError(422, 'This module cannot be started', `The module "${target.clientId}" is not registered at this PGO.`);
    const option = module.launchOption;
    if (option === undefined) throw new PageError(422, 'This module cannot be started', 'This module is started on its own (level S), not from a task.');
    const status = typeof target.task.status === 'string' ? target.task.status : 'unknown';
    if (isFinished(status)) throw new Conflict(`This task is ${status}; its module cannot be started any more.`);

    const launch: PreparedLaunch = { bsn: dossier.bsn, taskId, audience: target.clientId, address: target.launchUrl };
    if (option === '2a' || option === '2b') return startDelegatedLaunch(ctx, reply, session, launch, option); // docs/option-2a-2b.md
    if (option === '1') return startOption1(ctx, reply, session, launch); // docs/option-1.md
    if (option === '3b') return startOption3b(ctx, reply, launch, patient); // docs/option-3b.md
    if (config.launchPrepMode === 'par-cookie') return pushLaunchAuthorization(ctx, reply, session, launch, accessToken);
    return launchBackchannel(ctx, reply, session, launch, accessToken);
  });

  app.get('/callback_stepup', async (request, reply) => {
    // W6: "The PGO aborts on a state mismatch" (spec §8 item 24); RFC 9207 §2.4
    const { session, flow, code } = await readCallback(sessions, request, {
      kinds: ['launch', 'step-up'],
      ...dvaIssuer(config),
      foreign: 'This answer does not belong to a module launch started in this browser.',
      refused: 'The care provider did not allow the launch',
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
  session: Session,
  launch: PreparedLaunch,
  subjectToken: string,
): Promise<FastifyReply> {
  // W1 (spec §3.1.1 table; client_id and client authentication are added by the DVA client)
  const { params, state, code_verifier } = startAuthorization({
    redirect_uri: `${ctx.config.pgoUrl}/callback_stepup`,
    scope: ctx.config.launchScope,
    params: { audience: launch.audience, subject_token: subjectToken, subject_token_type: TOKEN_TYPE.ACCESS_TOKEN, acr_values: ACR_LAUNCH_AUTHORIZATION },
  });
  await ctx.sessions.saveFlow(session, state, { kind: 'launch', ...launch, codeVerifier: code_verifier });
  const { requestUri } = await ctx.dva.pushAuthorizationRequest(params);
  // W3; RFC 9126 §4: only client_id and request_uri (state is inside the pushed request).
  const url = new URL(ctx.dva.authorizationEndpoint);
  url.search = new URLSearchParams({ client_id: ctx.config.clientId, request_uri: requestUri }).toString();
  return reply.redirect(url.href, 302);
}

/** W7–W9: the token exchange with the W6 code as `actor_token`, then the browser to the module (also option 1, docs/option-1.md). */
export async function exchangeLaunchAuthorizationCode(
  ctx: PgoContext,
  reply: FastifyReply,
  launch: PreparedLaunch,
  code: string,
  codeVerifier: string,
): Promise<FastifyReply> {
  const { accessToken } = await ctx.dossiers.collectToken(launch.bsn);
  // W7 (spec §3.1.1 table); client_id and client authentication are added by the DVA client.
  const body = new URLSearchParams({
    grant_type: GRANT_TYPE_TOKEN_EXCHANGE,
    subject_token: accessToken,
    subject_token_type: TOKEN_TYPE.ACCESS_TOKEN,
    actor_token: code,
    actor_token_type: TOKEN_TYPE.LAUNCH_AUTHORIZATION_CODE,
    requested_token_type: TOKEN_TYPE.LAUNCH_CODE,
    audience: launch.audience,
    code_verifier: codeVerifier,
    resource: `Task/${launch.taskId}`,
    return_url: returnUrl(ctx, launch.bsn, launch.taskId),
  });
  const launchCode = launchCodeFrom(await ctx.dva.tokenExchange(body), TOKEN_TYPE.LAUNCH_CODE); // W8
  return launchModule(ctx, reply, launch, launchCode); // W9
}
