/**
 * The person's answers to the safeguards that ask (docs/identity-check-reference.md "Alternatives"):
 * `POST /dossier/:bsn/confirm` (4.3.1, before the code is redeemed) and
 * `GET|POST /dossier/:bsn/quarantine` (4.3.2, the box of fetched data).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { collectRedirectUri } from './collect.ts';
import type { PgoContext } from './context.ts';
import { BadRequest, NotFound } from './errors.ts';
import { quarantinePage } from './identity-views.ts';
import { pathParam, requireDossier } from './params.ts';
import { receiveCollect } from './safeguards.ts';
import { checkCsrf } from './session.ts';

/** Registers the confirm and quarantine routes. */
export function registerSafeguardRoutes(app: FastifyInstance, ctx: PgoContext): void {
  const { sessions, dva, dossiers, quarantine } = ctx;

  app.post('/dossier/:bsn/confirm', async (request, reply) => {
    const { session, dossier } = requireDossier(await sessions.load(request), pathParam(request, 'bsn'));
    checkCsrf(session, request.body);
    const state = formField(request, 'state');
    const flow = state === undefined ? undefined : await sessions.takeFlow(session, state);
    // the pending code, taken once (docs/decisions-protocol.md D12), for this dossier only
    if (flow?.kind !== 'confirm' || flow.bsn !== dossier.bsn) throw new BadRequest('Deze vraag is verlopen. Haal de gegevens opnieuw op.');
    if (formField(request, 'decision') !== 'approve') {
      // the code is never redeemed: no token, no data
      session.data.notice = 'Nothing was collected.';
      await sessions.save(session);
      return reply.redirect(`/dossier/${dossier.bsn}`, 303);
    }
    const tokens = await dva.authorizationCodeGrant({ code: flow.code, redirectUri: collectRedirectUri(ctx.config), codeVerifier: flow.codeVerifier });
    return receiveCollect(ctx, reply, session, dossier, tokens);
  });

  app.get('/dossier/:bsn/quarantine', async (request, reply) => {
    const { session, dossier } = requireDossier(await sessions.load(request), pathParam(request, 'bsn'));
    const box = await quarantine.get(dossier.bsn);
    if (!box) throw new NotFound('Er wacht niets in quarantaine.');
    return reply.type('text/html; charset=utf-8').send(quarantinePage(session, dossier, box.person, box.data.tasks));
  });

  app.post('/dossier/:bsn/quarantine', async (request, reply) => {
    const { session, dossier } = requireDossier(await sessions.load(request), pathParam(request, 'bsn'));
    checkCsrf(session, request.body);
    const box = await quarantine.take(dossier.bsn);
    if (!box) throw new NotFound('Er wacht niets in quarantaine.');
    if (formField(request, 'decision') === 'accept') {
      await dossiers.saveTokens(dossier.bsn, box.tokens);
      await dossiers.saveData(dossier.bsn, box.data);
    } else {
      await dva.revoke(box.tokens.access_token).catch((error: unknown) => request.log.warn({ err: error }, 'revoking a discarded collect token failed'));
      session.data.notice = 'The data in quarantine was discarded.';
      await sessions.save(session);
    }
    return reply.redirect(`/dossier/${dossier.bsn}`, 303);
  });
}

function formField(request: FastifyRequest, name: string): string | undefined {
  const value = (request.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}
