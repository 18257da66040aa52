import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Actor } from '@koppelmij/core';
import { parseInput, type ModuleRegistration } from '@koppelmij/service-kit';
import type { DvaAuth } from '../context.ts';
import { leaveOtherPersonsSession } from '../collect/digid-session.ts';
import { denyInteraction, finishInteraction, takeDigidTicket, type InteractionDetails } from '../collect/interaction-steps.ts';
import { representationResult } from '../collect/representation.ts';
import { errorPage, refuseForm } from '../views.ts';
import { hasInteractionFormToken } from '../collect/form-token.ts';

/*
 * The DigiD return and the consent decision of the launches where the DVA's /authorize has the
 * person log in at DigiD and consent to one module: option 1 (docs/protocol.md §3.2 step 5) and level S
 * (docs/protocol.md §5). The checks are the same for both; `LaunchFlow` holds what differs.
 */

const uidParams = z.object({ uid: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) });
const DIGID_ACR = 'urn:medmij:oauth2:acr-value:digid';

/** What sets one such launch apart. */
export interface LaunchFlow {
  /** The routes' segment: `/interaction/:uid/<path>/digid` and `/interaction/:uid/<path>/consent`. */
  path: string;
  /** Whether an interaction is one of this launch's. */
  accepts: (dva: DvaAuth, details: InteractionDetails) => boolean;
  /** The module the person consents to. */
  module: (dva: DvaAuth, details: InteractionDetails) => ModuleRegistration;
  /** The error pages' advice on where to start again. */
  restart: string;
  /** After the DigiD login, before the interaction finishes. */
  afterLogin?: (dva: DvaAuth, reply: FastifyReply, details: InteractionDetails, login: { sub: string; act?: Actor }) => Promise<unknown>;
  /** The consent given (or not needed): the grant, and the interaction finished. */
  approved: (dva: DvaAuth, request: FastifyRequest, reply: FastifyReply, details: InteractionDetails, sub: string, module: ModuleRegistration) => Promise<FastifyReply>;
}

/** Registers `flow`'s DigiD return and consent decision routes. */
export function registerLaunchInteraction(app: FastifyInstance, dva: () => DvaAuth, flow: LaunchFlow): void {
  app.get(`/interaction/:uid/${flow.path}/digid`, async (request, reply) => {
    const { uid } = parseInput(uidParams, request.params);
    const { ticket } = parseInput(z.object({ ticket: z.string().min(1).max(128) }), request.query);
    const found = await takeDigidTicket(dva(), ticket, uid);
    if (!found) return reply.code(400).type('text/html').send(errorPage('Inloggen verlopen', flow.restart));
    const details = await dva().provider.interactionDetails(request.raw, reply.raw);
    if (details.uid !== uid || !flow.accepts(dva(), details)) return nothingToConsent(reply, flow.restart);
    if (!found.sub) return denyInteraction(dva(), request, reply, 'this care provider holds no records for the person who logged in');
    await leaveOtherPersonsSession(dva(), details, found.sub);
    await flow.afterLogin?.(dva(), reply, details, { sub: found.sub, ...(found.act && { act: found.act }) });
    return finishInteraction(dva(), request, reply, { login: { accountId: found.sub, acr: DIGID_ACR, amr: ['digid'] }, koppelmij: { launch: true }, ...representationResult(found.act) });
  });

  app.post(`/interaction/:uid/${flow.path}/consent`, async (request, reply) => {
    const { uid } = parseInput(uidParams, request.params);
    const { decision } = parseInput(z.object({ decision: z.enum(['approve', 'deny']) }), request.body);
    const details = await dva().provider.interactionDetails(request.raw, reply.raw);
    // OWASP CSRF: the token of the interaction this browser's cookie names, before anything changes (I56)
    if (details.uid === uid && !hasInteractionFormToken(dva(), uid, request.body)) return refuseForm(reply);
    const sub = details.session?.accountId;
    if (details.uid !== uid || !flow.accepts(dva(), details) || details.prompt.name !== 'consent' || !sub) return nothingToConsent(reply, flow.restart);
    const module = flow.module(dva(), details);
    if (decision === 'deny') {
      await dva().audit.record({ type: 'consent.denied', client_id: module.client_id, sub, outcome: 'failure' });
      return denyInteraction(dva(), request, reply, 'the user did not consent');
    }
    await dva().store.set(`consent-memory:${sub}:${module.client_id}`, 1, dva().config.COLLECT_CONSENT_TTL);
    await dva().audit.record({ type: 'consent.granted', client_id: module.client_id, sub, outcome: 'success' });
    return flow.approved(dva(), request, reply, details, sub, module);
  });
}

/** The answer to a consent step that belongs to no interaction of this kind. */
export function nothingToConsent(reply: FastifyReply, restart: string): FastifyReply {
  return reply.code(400).type('text/html').send(errorPage('Er is niets om toestemming voor te geven', restart));
}
