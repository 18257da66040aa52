/**
 * Terugkeer (docs/protocol.md §4.6): the module sends the person back to `return_url`; the PGO re-reads
 * `GET Task/{id}` at the DVA and shows that status. Status hints in the URL are never
 * trusted (docs/protocol.md §8 item 27); a module `error` is shown as text only.
 */
import { createHmac } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { oauthErrorCode, timingSafeEqualString } from '@koppelmij/core';
import type { PgoContext } from './context.ts';
import { Forbidden, NotFound, PageError } from './errors.ts';
import { FhirClient } from './fhir.ts';
import { queryParam } from './params.ts';
import { isFhirId } from '@koppelmij/core/fhir';

/**
 * A stable pseudonym of a dossier for URLs that leave the PGO: the `return_url` reaches the
 * DVA and the module, which must not learn the BSN (docs/protocol.md §4.4: the person is a pseudonym there).
 */
export function dossierHandle(secret: string, bsn: string): string {
  return createHmac('sha256', secret).update(`pgo-dossier:${bsn}`).digest('base64url');
}

/** docs/protocol.md §4.5 [impl]: the `return_url` form parameter of the token exchange. */
export function returnUrl(ctx: PgoContext, bsn: string, taskId: string): string {
  const url = new URL(`${ctx.config.pgoUrl}/launch_callback`);
  url.searchParams.set('task_id', taskId);
  url.searchParams.set('dossier', dossierHandle(ctx.config.cookieSecret, bsn));
  return url.href;
}

/** `GET /launch_callback?task_id&dossier[&error]`. */
export function registerReturn(app: FastifyInstance, ctx: PgoContext): void {
  app.get('/launch_callback', async (request, reply) => {
    const taskId = queryParam(request, 'task_id');
    const handle = queryParam(request, 'dossier');
    const session = await ctx.sessions.load(request);
    if (!session?.data.user) throw new Forbidden('Log opnieuw in om het resultaat van de module te zien.');
    const dossier =
      handle === undefined ? undefined : session.data.dossiers.find((d) => timingSafeEqualString(dossierHandle(ctx.config.cookieSecret, d.bsn), handle));
    if (!dossier) throw new NotFound('Dit dossier bestaat niet.');
    const data = await ctx.dossiers.data(dossier.bsn);
    if (taskId === undefined || !isFhirId(taskId) || !data?.tasks.some((t) => t.id === taskId)) {
      throw new NotFound('Dit dossier heeft zo\u2019n taak niet.');
    }

    // docs/protocol.md §4.6: "re-reads GET /Task/{id}, and shows the status and any error".
    const notices: string[] = [];
    const moduleError = queryParam(request, 'error');
    if (moduleError !== undefined) notices.push(`The module reported: ${oauthErrorCode(moduleError) ?? 'an error'}.`);
    try {
      const { accessToken } = await ctx.dossiers.collectToken(dossier.bsn);
      const fhir = new FhirClient({ base: ctx.config.dvaFhirUrl, accessToken, fetch: ctx.fetch });
      const task = await fhir.read('Task', taskId);
      if (task && typeof task.status === 'string') {
        await ctx.dossiers.updateTaskStatus(dossier.bsn, taskId, task.status);
        notices.unshift(`Back from the module. The care provider now reports the task as “${task.status}”.`);
      } else {
        notices.unshift('Back from the module. The care provider no longer shows this task.');
      }
    } catch (error) {
      if (!(error instanceof PageError)) throw error;
      request.log.warn({ err: error }, 'task status could not be re-read');
      notices.unshift(`Back from the module, but the task status could not be read again: ${error.message}`);
    }
    session.data.notice = notices.join(' ');
    await ctx.sessions.save(session);
    return reply.redirect(`/dossier/${dossier.bsn}`, 303);
  });
}
