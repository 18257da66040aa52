import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ModuleRegistration } from '@koppelmij/service-kit';
import { readCorrelationCookie, setCorrelationCookie } from '../collect/collect-cookies.ts';
import { grantConsent } from '../collect/consent.ts';
import type { DvaAuth } from '../context.ts';
import type { DigidClient } from '../collect/digid.ts';
import { leaveOtherPersonsSession } from '../collect/digid-session.ts';
import { denyInteraction, finishInteraction, launchConsentPage, type InteractionDetails } from '../collect/interaction-steps.ts';
import { interactionFormToken } from '../collect/form-token.ts';
import { nothingToConsent, registerLaunchInteraction, type LaunchFlow } from './launch-interaction-routes.ts';
import { setLaunchAuthCookie } from './launch-auth-cookie.ts';
import { consentRepresentative, representationResult } from '../collect/representation.ts';

/*
 * Option 1 (archived; docs/protocol.md §3.2): the DVA is the authorization server of the PGO's launch, and
 * the browser is correlated by the cookie of the collect. The IG leaves the launch parameters and
 * the link between the PGO's authorization and the module's /authorize open; this closes them with
 * option 3a's parts (docs/option-1.md):
 * - step 4 [impl]: the PGO's /authorize names the module in `audience` (as 3a's W1 does), with
 *   no `subject_token`;
 * - step 5: the correlation cookie of this PGO's recent collect stands for the login, else DigiD,
 *   which sets a new cookie; then the consent screen for that module (the module's policy). The
 *   consent sets 3a's Module DVA Authentication cookie (W4) for that person and module;
 * - step 7 [impl]: the PGO redeems the code as the `actor_token` of 3a's token exchange (W7); the
 *   launch code it gets is bound to this browser's cookie, the module's access never reaches the PGO;
 * - steps 8–11: the module's SMART launch is 3a's W9–W17; its consent was given in step 5.
 */

/** True when `audience` names a module launched with option 1 (registrations are configuration). */
export const isOption1Module = (dva: DvaAuth, audience: unknown): boolean => typeof audience === 'string' && dva.module(audience)?.launch_option === '1';

/** An option-1 launch authorization: a PGO's request naming an option-1 module, without a subject_token. */
export const isOption1 = (dva: DvaAuth, details: InteractionDetails): boolean =>
  details.params.subject_token === undefined && dva.pgo(String(details.params.client_id)) !== undefined && isOption1Module(dva, details.params.audience);

/** `GET /interaction/:uid` of an option-1 authorization: correlate or log in (step 5), then consent. */
export async function option1Interaction(dva: DvaAuth, digid: DigidClient, request: FastifyRequest, reply: FastifyReply, details: InteractionDetails): Promise<FastifyReply> {
  const clientId = String(details.params.client_id);
  if (details.prompt.name === 'login') {
    const login = await readCorrelationCookie(dva, request);
    // step 5, "valid cookie": the browser that did this PGO's collect, within the window; no DigiD
    if (login?.client_id === clientId) {
      await leaveOtherPersonsSession(dva, details, login.sub);
      return finishInteraction(dva, request, reply, { login: { accountId: login.sub, amr: ['correlation-cookie'] }, koppelmij: { launch: true }, ...representationResult(login.act) });
    }
    // step 5, "missing or expired cookie" (long-term consent): a new DigiD login
    const returnPath = `/interaction/${details.uid}/option-1/digid`;
    return reply.redirect(await digid.authorizationUrl(details.uid, { prompt: 'login', returnPath }), 303);
  }
  const sub = details.session?.accountId;
  const module = dva.module(String(details.params.audience))!;
  if (details.prompt.name !== 'consent' || !sub) return nothingToConsent(reply, OPTION_1.restart);
  const remembered = module.consent === 'first-time' && (await dva.store.get(`consent-memory:${sub}:${module.client_id}`));
  if (module.consent === 'never' || remembered) return prepare(dva, request, reply, details, sub, module);
  return reply.type('text/html').send(
    launchConsentPage({
      action: `/interaction/${details.uid}/option-1/consent`,
      csrf: interactionFormToken(dva, details.uid),
      module: module.client_name,
      requester: dva.pgo(clientId)?.client_name ?? clientId,
      person: dva.patients.bySub(sub)?.name,
      scopes: module.scope.split(' ').filter(Boolean),
    }),
  );
}

/** Step 5's DigiD return (long-term consent) and the module's consent. */
const OPTION_1: LaunchFlow = {
  path: 'option-1',
  accepts: isOption1,
  module: (dva, details) => dva.module(String(details.params.audience))!,
  restart: 'begin opnieuw vanuit uw PGO',
  // step 5: "SET a new cookie (for future launches)"
  afterLogin: (dva, reply, details, login) => setCorrelationCookie(dva, reply, login.sub, String(details.params.client_id), login.act),
  approved: prepare,
};

/** The DigiD return (step 5, long-term consent) and the consent decision of an option-1 authorization. */
export function registerOption1(app: FastifyInstance, dva: () => DvaAuth): void {
  registerLaunchInteraction(app, dva, OPTION_1);
}

/**
 * The end of step 5: the grant of the PGO's code, remembered as a launch preparation for this
 * person and module, and 3a's Module DVA Authentication cookie in this browser (W4). Only the
 * browser that consented can then pass the module's /authorize without DigiD (docs/decisions-protocol.md D7).
 */
async function prepare(dva: DvaAuth, request: FastifyRequest, reply: FastifyReply, details: InteractionDetails, sub: string, module: ModuleRegistration): Promise<FastifyReply> {
  const patient = dva.patients.bySub(sub);
  if (!patient) return denyInteraction(dva, request, reply, 'unknown person');
  const correlation = await setLaunchAuthCookie(dva, request, reply, { sub, audience: module.client_id });
  // decision I40: who acts at this login (the cookie's, or step 5's DigiD); the exchange compares it with the collect token's
  const act = await consentRepresentative(dva, details);
  const context = { kind: 'launch-prep' as const, sub, patient: patient.patientId, audience: module.client_id, correlation, consented: true as const, ...(act && { act }) };
  const grantId = await grantConsent(dva, details, sub, context, 600);
  return finishInteraction(dva, request, reply, { consent: { grantId } });
}
