/**
 * Starting a module from a Task: `POST /dossier/:bsn/tasks/:taskId/start` runs W0 (docs/protocol.md §6.6)
 * and hands the launch to the option the module's registration names (decision I26; docs/option-*.md):
 * 1 launch-1.ts, 2a/2b smart-as/, 3a launch-3a.ts, 3b launch-3b.ts; level TL opens a link
 * (launch-link.ts). Only a launch code ever reaches the browser (docs/protocol.md §8 item 26).
 */
import type { FastifyInstance } from 'fastify';
import { isFhirId } from '@koppelmij/core/fhir';
import { resolveLaunchTarget } from './chain.ts';
import type { PgoContext } from './context.ts';
import { isFinished } from './dossier-store.ts';
import { Conflict, NotFound, PageError } from './errors.ts';
import { FhirClient } from './fhir.ts';
import { startOption1 } from './launch-1.ts';
import { startOption3a } from './launch-3a.ts';
import { startOption3b } from './launch-3b.ts';
import type { LaunchStarter, PreparedLaunch } from './launch-code.ts';
import { openTaskLink } from './launch-link.ts';
import { pathParam, requireDossier } from './params.ts';
import type { LaunchOption } from './registrations.ts';
import { checkCsrf } from './session.ts';
import { startDelegatedLaunch } from './smart-as/index.ts';

/** The start of each launch option. */
const STARTERS: Record<LaunchOption, LaunchStarter> = {
  '1': startOption1,
  '2a': (ctx, reply, { session, launch }) => startDelegatedLaunch(ctx, reply, session, launch, '2a'),
  '2b': (ctx, reply, { session, launch }) => startDelegatedLaunch(ctx, reply, session, launch, '2b'),
  '3a': startOption3a,
  '3b': startOption3b,
};

export function registerLaunch(app: FastifyInstance, ctx: PgoContext): void {
  const { config, sessions, dossiers, registrations } = ctx;

  app.post('/dossier/:bsn/tasks/:taskId/start', async (request, reply) => {
    const { session, dossier } = requireDossier(await sessions.load(request), pathParam(request, 'bsn'));
    checkCsrf(session, request.body);
    const taskId = pathParam(request, 'taskId');
    const data = await dossiers.data(dossier.bsn);
    // Only a Task this dossier collected can be started.
    if (!isFhirId(taskId) || !data?.tasks.some((t) => t.id === taskId)) throw new NotFound('This dossier has no such task.');

    // W0 (docs/protocol.md §6.6), always fresh: the collected summary may be stale.
    const collect = await dossiers.collectToken(dossier.bsn);
    const target = await resolveLaunchTarget(new FhirClient({ base: config.dvaFhirUrl, accessToken: collect.accessToken, fetch: ctx.fetch }), taskId);
    // docs/protocol.md §5 level TL: the Endpoint names a link of the PGO's catalogue; opened without launch or data
    if (registrations.catalogue.get(target.clientId)?.integrationLevel === 'TL') return openTaskLink(reply, target.launchUrl);
    const module = registrations.modules.get(target.clientId);
    if (!module) throw new PageError(422, 'This module cannot be started', `The module "${target.clientId}" is not registered at this PGO.`);
    const option = module.launchOption;
    if (option === undefined) throw new PageError(422, 'This module cannot be started', 'This module is started on its own (level S), not from a task.');
    const status = typeof target.task.status === 'string' ? target.task.status : 'unknown';
    if (isFinished(status)) throw new Conflict(`This task is ${status}; its module cannot be started any more.`);

    const launch: PreparedLaunch = { bsn: dossier.bsn, taskId, audience: target.clientId, address: target.launchUrl };
    return STARTERS[option](ctx, reply, { session, launch, collect });
  });
}
