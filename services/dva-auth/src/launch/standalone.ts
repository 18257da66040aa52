import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ModuleRegistration } from '@koppelmij/service-kit';
import { grantConsent } from '../collect/consent.ts';
import type { DvaAuth } from '../context.ts';
import type { DigidClient } from '../collect/digid.ts';
import { consentRepresentative } from '../collect/representation.ts';
import { denyInteraction, finishInteraction, launchConsentPage, type InteractionDetails } from '../collect/interaction-steps.ts';
import { interactionFormToken } from '../collect/form-token.ts';
import { nothingToConsent, registerLaunchInteraction, type LaunchFlow } from './launch-interaction-routes.ts';

/*
 * Integration level S (docs/protocol.md §5): "a module with data sharing, without a care-provider task", the
 * module's standalone SMART launch at the DVA, with "explicit user consent at the DVA".
 * [impl] (docs/integration-levels.md): no launch code and no Task; the person always logs in at
 * DigiD (there is no launch that could vouch for the browser), then consents per the module's
 * policy (the level's default: `always`). The token's context is the person alone: `patient` in
 * the token response, and `fhirContext: [Patient/…]` in the access token, which the resource
 * server reads as the module's whole launch context (the Patient, and results it creates for them).
 */

/** True when `clientId` is a module registered for level S. */
export const isStandaloneModule = (dva: DvaAuth, clientId: string): boolean => dva.module(clientId)?.integration_level === 'S';

/** A standalone launch: a level-S module's authorization request without `launch`. */
export const isStandalone = (dva: DvaAuth, details: InteractionDetails): boolean =>
  details.params.launch === undefined && isStandaloneModule(dva, String(details.params.client_id));

/** `GET /interaction/:uid` of a standalone launch: DigiD, then the consent screen. */
export async function standaloneInteraction(dva: DvaAuth, digid: DigidClient, request: FastifyRequest, reply: FastifyReply, details: InteractionDetails): Promise<FastifyReply> {
  if (details.prompt.name === 'login') {
    return reply.redirect(await digid.authorizationUrl(details.uid, { prompt: 'login', returnPath: `/interaction/${details.uid}/standalone/digid` }), 303);
  }
  const sub = details.session?.accountId;
  const module = dva.module(String(details.params.client_id))!;
  if (details.prompt.name !== 'consent' || !sub) return nothingToConsent(reply, STANDALONE.restart);
  const remembered = module.consent === 'first-time' && (await dva.store.get(`consent-memory:${sub}:${module.client_id}`));
  if (module.consent === 'never' || remembered) return grant(dva, request, reply, details, sub, module);
  return reply.type('text/html').send(
    launchConsentPage({
      action: `/interaction/${details.uid}/standalone/consent`,
      csrf: interactionFormToken(dva, details.uid),
      module: module.client_name,
      person: dva.patients.bySub(sub)?.name,
      scopes: String(details.params.scope ?? '').split(' ').filter(Boolean),
    }),
  );
}

/** The DigiD login every standalone launch starts with, and the module's consent. */
const STANDALONE: LaunchFlow = {
  path: 'standalone',
  accepts: isStandalone,
  module: (dva, details) => dva.module(String(details.params.client_id))!,
  restart: 'start de module opnieuw',
  approved: grant,
};

/** The DigiD return and the consent decision of a standalone launch. */
export function registerStandalone(app: FastifyInstance, dva: () => DvaAuth): void {
  registerLaunchInteraction(app, dva, STANDALONE);
}

/** A fresh grant for this launch (docs/protocol.md §4.7 limits count from it) whose context is the person. */
async function grant(dva: DvaAuth, request: FastifyRequest, reply: FastifyReply, details: InteractionDetails, sub: string, module: ModuleRegistration): Promise<FastifyReply> {
  const patient = dva.patients.bySub(sub);
  if (!patient) return denyInteraction(dva, request, reply, 'unknown person');
  const { config } = dva;
  // docs/identity-check-reference.md: the representative who chose the person at this launch's DigiD login
  const act = await consentRepresentative(dva, details);
  const context = { kind: 'standalone' as const, sub, patient: patient.patientId, audience: module.client_id, started_at: Math.floor(Date.now() / 1000), ...(act && { act }) };
  const grantId = await grantConsent(dva, details, sub, context, config.MAX_SESSION + config.SESSION_GRACE);
  return finishInteraction(dva, request, reply, { consent: { grantId } });
}
