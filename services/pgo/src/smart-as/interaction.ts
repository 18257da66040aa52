/**
 * docs/protocol.md §3.3 step 7 (and §3.4, identical): the PGO's /authorize interaction. No new login: the
 * browser must carry the PGO session that started the launch, and the launch token is taken.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import type { InteractionResults } from 'oidc-provider';
import { z } from 'zod';
import { parseInput } from '@koppelmij/service-kit';
import { LaunchBindingMismatch, tupleKey, type KeyValueStore, type LaunchCodes } from '@koppelmij/core';
import type { PgoContext } from '../context.ts';
import { dossierHandle } from '../return.ts';
import { sessionCorrelation, type PgoLaunch } from './launch.ts';

const uidParams = z.object({ uid: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) });

/** The launch behind an oidc-provider grant of the PGO's authorization server (docs/oidc-provider-notes.md §2: grants carry no custom data). */
export const grantLaunchKey = (grantId: string): string => tupleKey('pgo-as:grant', grantId);

/** How long the launch behind a grant is kept: the code and the token request follow within it. */
const GRANT_LAUNCH_TTL = 600;

export interface InteractionParts {
  provider: Provider;
  store: KeyValueStore;
  launchTokens: LaunchCodes<PgoLaunch>;
}

/** `GET /as/interaction/:uid`: take the launch token, check the browser's PGO session, grant. */
export function registerSmartAsInteraction(app: FastifyInstance, ctx: PgoContext, parts: InteractionParts): void {
  const { provider, store, launchTokens } = parts;
  const finish = async (request: FastifyRequest, reply: FastifyReply, result: InteractionResults) =>
    reply.redirect(await provider.interactionResult(request.raw, reply.raw, result, { mergeWithLastSubmission: false }), 303);
  const deny = (request: FastifyRequest, reply: FastifyReply, description: string) =>
    finish(request, reply, { error: 'access_denied', error_description: description });

  app.get('/as/interaction/:uid', async (request, reply) => {
    parseInput(uidParams, request.params);
    const details = await provider.interactionDetails(request.raw, reply.raw);
    const clientId = String(details.params.client_id);
    const session = await ctx.sessions.load(request);

    let launch: PgoLaunch;
    try {
      // decision I4 at the PGO: the token is taken first and burned whatever follows (D8, D12)
      launch = await launchTokens.redeem(String(details.params.launch), { client_id: clientId, ...(session && { correlation: sessionCorrelation(session) }) });
    } catch (error) {
      // docs/protocol.md §3.3 step 7: the launch token belongs to the PGO session that made it; another browser is refused
      const reason = error instanceof LaunchBindingMismatch ? error.reason : 'unknown, expired or used';
      request.log.info({ client_id: clientId, reason }, 'launch refused');
      return deny(request, reply, 'launch is invalid, expired or already used');
    }
    // the session must still be logged in and hold the dossier (no new login, docs/protocol.md §3.3 step 7)
    if (!session?.data.user || !session.data.dossiers.some((d) => d.bsn === launch.bsn)) {
      return deny(request, reply, 'launch is invalid, expired or already used');
    }

    const accountId = dossierHandle(ctx.config.cookieSecret, launch.bsn); // a pseudonym, never the BSN
    const grant = new provider.Grant({ accountId, clientId });
    const scope = String(details.params.scope ?? '');
    if (scope) grant.addOIDCScope(scope);
    const grantId = await grant.save();
    await store.set(grantLaunchKey(grantId), launch, GRANT_LAUNCH_TTL);
    return finish(request, reply, { login: { accountId }, consent: { grantId }, koppelmij: { launch: true } });
  });
}
