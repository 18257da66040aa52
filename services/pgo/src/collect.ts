/**
 * The collect phase (verzamelen, docs/protocol.md §2.3): an authorization code flow with PKCE at the DVA,
 * then the safeguards (safeguards.ts) and `GET Task?owner=Patient/{id}` with the collect token
 * (tasks.ts).
 * The token is kept server-side with the dossier (docs/protocol.md §8 item 26).
 */
import type { FastifyInstance } from 'fastify';
import { authorizationUrl, startAuthorization } from '@koppelmij/core/authorization';
import { dvaIssuer, readCallback } from './callback.ts';
import type { PgoContext } from './context.ts';
import { pathParam, requireDossier } from './params.ts';
import { askConfirmation, confirmsFirst, receiveCollect } from './safeguards.ts';
import { checkCsrf } from './session.ts';

/** The collect's `redirect_uri` (docs/protocol.md §2.3 step 4). */
export const collectRedirectUri = (config: { pgoUrl: string }): string => `${config.pgoUrl}/callback`;

/** `POST /dossier/:bsn/collect` (docs/protocol.md §2.3 step 2) and `GET /callback` (steps 4–7). */
export function registerCollect(app: FastifyInstance, ctx: PgoContext): void {
  const { config, sessions, dva } = ctx;
  const redirectUri = collectRedirectUri(config);

  app.post('/dossier/:bsn/collect', async (request, reply) => {
    const { session, dossier } = requireDossier(await sessions.load(request), pathParam(request, 'bsn'));
    checkCsrf(session, request.body);
    const { params, state, code_verifier } = startAuthorization({
      client_id: config.clientId,
      redirect_uri: redirectUri,
      scope: ctx.registrations.pgo.scope,
      // OIDC Core §3.1.2.1: never the DVA's session, which may be another person's (docs/identity-check-reference.md).
      // For a represented person the representative chooses at DigiD every time; `consent` keeps the
      // long-term consent's offline_access (docs/oidc-provider-notes.md §2)
      params: { prompt: dossier.relation === 'represented' ? 'login consent' : 'login' },
    });
    await sessions.saveFlow(session, state, { kind: 'collect', bsn: dossier.bsn, codeVerifier: code_verifier });
    return reply.redirect(authorizationUrl(dva.authorizationEndpoint, params), 302);
  });

  app.get('/callback', async (request, reply) => {
    // docs/protocol.md §8 item 24; RFC 6749 §10.12; RFC 9207 §2.4
    const { session, flow, code } = await readCallback(sessions, request, {
      kinds: ['collect'],
      ...dvaIssuer(config),
      foreign: 'Dit antwoord hoort niet bij een ophaalactie die in deze browser begon.',
      refused: 'Uw zorgaanbieder gaf geen toegang en er is niets opgehaald; weigerde u de toestemming, dan kunt u het later opnieuw proberen',
    });
    const { session: live, dossier } = requireDossier(session, flow.bsn);

    // safeguard 4.3.1 (docs/identity-check-reference.md): ask before the code is redeemed
    if (confirmsFirst(config.identity, dossier)) return askConfirmation(ctx, reply, live, dossier, { code, codeVerifier: flow.codeVerifier });
    const tokens = await dva.authorizationCodeGrant({ code, redirectUri, codeVerifier: flow.codeVerifier });
    return receiveCollect(ctx, reply, live, dossier, tokens);
  });
}
