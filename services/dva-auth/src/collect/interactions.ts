import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { InteractionResults } from 'oidc-provider';
import { z } from 'zod';
import { parseInput } from '@koppelmij/service-kit';
import { ACR_LAUNCH_AUTHORIZATION, LaunchBindingMismatch, sha256b64url, type Actor } from '@koppelmij/core';
import { AuthorizationErrorResponse, AuthorizationResponseError } from '@koppelmij/core/authorization';
import type { DvaAuth, LaunchContextRecord } from '../context.ts';
import type { DigidClient } from './digid.ts';
import { checkLaunchAuthCookie, setLaunchAuthCookie } from '../launch/launch-auth-cookie.ts';
import { setCollectCookies } from './collect-cookies.ts';
import { isOption1, option1Interaction } from '../launch/option-1.ts';
import { isStandalone, standaloneInteraction } from '../launch/standalone.ts';
import { grantConsent } from './consent.ts';
import { consentRepresentative, representationResult, representativeOf } from './representation.ts';
import { leaveOtherPersonsSession } from './digid-session.ts';
import { consentPage, errorPage, refuseForm } from '../views.ts';
import { hasInteractionFormToken } from './form-token.ts';
import { verifySubjectToken } from '../token-exchange/subject-token.ts';

type Details = Awaited<ReturnType<DvaAuth['provider']['interactionDetails']>>;

/** The launch a module's authorization request carries, taken at the first /authorize (D12), per interaction chain. */
interface ModuleLaunchState {
  launch: LaunchContextRecord;
  verified: boolean;
}
const launchStateKey = (cid: string) => `launch-interaction:${cid}`;

const uidParams = z.object({ uid: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) });

/**
 * The DVA's interaction pages (oidc-provider `interactions.url`): who the user is and whether
 * they consent, for the three kinds of authorization request the DVA sees:
 * - the PGO's collect (docs/protocol.md §2.3): DigiD login, then consent;
 * - the PGO's launch preparation (docs/protocol.md §3.1.1 W4): no login, the subject token is the proof;
 *   sets the Module DVA Authentication cookie;
 * - a module's SMART authorization (W13): the launch code is taken, then the browser is
 *   authenticated by that cookie or by DigiD (docs/decisions-protocol.md D7), then consent per the module's policy.
 */
export function registerInteractions(app: FastifyInstance, dva: () => DvaAuth, digid: DigidClient): void {
  const finish = async (request: FastifyRequest, reply: FastifyReply, result: InteractionResults) => {
    const to = await dva().provider.interactionResult(request.raw, reply.raw, result, { mergeWithLastSubmission: true });
    return reply.redirect(to, 303);
  };
  const deny = (request: FastifyRequest, reply: FastifyReply, description: string) =>
    finish(request, reply, { error: 'access_denied', error_description: description });

  app.get('/interaction/:uid', async (request, reply) => {
    parseInput(uidParams, request.params);
    const details = await dva().provider.interactionDetails(request.raw, reply.raw);
    const clientId = String(details.params.client_id);
    if (isOption1(dva(), details)) return option1Interaction(dva(), digid, request, reply, details);
    if (isStandalone(dva(), details)) return standaloneInteraction(dva(), digid, request, reply, details);
    if (details.params.subject_token !== undefined) return launchPreparation(request, reply, details, clientId);
    if (dva().module(clientId)) return moduleAuthorization(request, reply, details, clientId);
    if (details.prompt.name === 'login') return reply.redirect(await digid.authorizationUrl(details.uid), 303);
    return reply.type('text/html').send(consentPage(dva(), details, clientId));
  });

  // W4: the subject token (the PGO's collect token) proves the earlier DigiD login; no UI.
  async function launchPreparation(request: FastifyRequest, reply: FastifyReply, details: Details, clientId: string) {
    const subject = await verifySubjectToken(String(details.params.subject_token), clientId, dva());
    const audience = String(details.params.audience);
    await leaveOtherPersonsSession(dva(), details, subject.sub); // the browser's DVA session may be another person's (I36)
    const correlation = await setLaunchAuthCookie(dva(), request, reply, { sub: subject.sub, audience });
    const act = subject.act && { sub: subject.act.sub }; // decision I40: who prepares the launch, as the collect token says
    const grantId = await grantConsent(dva(), details, subject.sub, { kind: 'launch-prep', sub: subject.sub, patient: subject.patient, audience, correlation, ...(act && { act }) }, 600);
    return finish(request, reply, {
      login: { accountId: subject.sub, acr: ACR_LAUNCH_AUTHORIZATION, amr: ['subject_token'] },
      consent: { grantId },
      koppelmij: { launch: true },
    });
  }

  // W13: take the launch, authenticate the browser, then consent.
  async function moduleAuthorization(request: FastifyRequest, reply: FastifyReply, details: Details, clientId: string) {
    const cid = (details as Details & { cid: string }).cid;
    let state = await dva().store.get<ModuleLaunchState>(launchStateKey(cid));
    if (!state) {
      try {
        const launch = await dva().launchCodes.redeem(String(details.params.launch), { client_id: clientId });
        state = { launch, verified: false };
      } catch (error) {
        const reason = error instanceof LaunchBindingMismatch ? error.reason : 'unknown, expired or used';
        await dva().audit.record({ type: 'launch.browser-check-failed', client_id: clientId, outcome: 'failure', reason });
        return deny(request, reply, 'launch is invalid, expired or already used');
      }
      await dva().store.set(launchStateKey(cid), state, 600);
      await dva().audit.record({ type: 'launch.redeemed', client_id: clientId, sub: state.launch.sub, resources: state.launch.resources, outcome: 'success' });
    }
    if (!state.verified) {
      if (dva().config.MODULE_USER_AUTH === 'cookie-or-digid') {
        const cookie = await checkLaunchAuthCookie(dva(), request, { sub: state.launch.sub, audience: clientId, correlation: state.launch.correlation });
        if (cookie === 'match') {
          // the browser's DVA session may be another person's (docs/identity-check-reference.md; decision I36)
          await leaveOtherPersonsSession(dva(), details, state.launch.sub);
          return verified(request, reply, cid, state, 'launch-cookie');
        }
        // docs/decisions-protocol.md D8: the code is already burned; only DigiD with the launch's person can still finish it
        await dva().audit.record({ type: 'launch.browser-check-failed', client_id: clientId, sub: state.launch.sub, outcome: 'failure', reason: `launch cookie ${cookie}` });
        return reply.redirect(await digid.authorizationUrl(details.uid, { prompt: 'login', reason: 'launch-browser-unknown' }), 303);
      }
      return reply.redirect(await digid.authorizationUrl(details.uid, { prompt: 'login' }), 303);
    }
    const module = dva().module(clientId)!;
    const remembered = module.consent === 'first-time' && (await dva().store.get(`consent-memory:${state.launch.sub}:${clientId}`));
    // option 1 (docs/protocol.md §3.2 steps 5, 9): the person consented to this module when the launch was prepared
    if (module.consent === 'never' || remembered || state.launch.consented) return moduleConsent(request, reply, details, clientId, state);
    return reply.type('text/html').send(consentPage(dva(), details, clientId));
  }

  async function verified(request: FastifyRequest, reply: FastifyReply, cid: string, state: ModuleLaunchState, method: string) {
    await dva().store.set(launchStateKey(cid), { ...state, verified: true }, 600);
    return finish(request, reply, { login: { accountId: state.launch.sub, amr: [method] }, koppelmij: { launch: true } });
  }

  async function moduleConsent(request: FastifyRequest, reply: FastifyReply, details: Details, clientId: string, state: ModuleLaunchState) {
    const { config, store } = dva();
    const context = { kind: 'module' as const, sub: state.launch.sub, patient: state.launch.patient, launch: state.launch, started_at: Math.floor(Date.now() / 1000) };
    const grantId = await grantConsent(dva(), details, state.launch.sub, context, config.MAX_SESSION + config.SESSION_GRACE);
    await store.set(`consent-memory:${state.launch.sub}:${clientId}`, 1, config.COLLECT_CONSENT_TTL);
    await store.delete(launchStateKey((details as Details & { cid: string }).cid));
    await dva().audit.record({ type: 'consent.granted', client_id: clientId, sub: state.launch.sub, resources: state.launch.resources, outcome: 'success' });
    return finish(request, reply, { consent: { grantId } });
  }

  // DigiD came back (docs/protocol.md §2.3 step 3; W13 "DigiD" branch).
  app.get('/digid/callback', async (request, reply) => {
    // Bounded shapes first (docs/decisions.md I50); state, iss, error and code are then read by core (RFC 9207 §2.4).
    const query = parseInput(
      z.object({
        state: z.string().max(512).optional(),
        code: z.string().max(2048).optional(),
        iss: z.string().max(2048).optional(),
        error: z.string().max(200).optional(),
        error_description: z.string().max(1000).optional(),
      }),
      request.query,
    );
    let completed: Awaited<ReturnType<DigidClient['complete']>>;
    try {
      completed = await digid.complete(query);
    } catch (error) {
      if (!(error instanceof AuthorizationResponseError)) throw error;
      const detail = error instanceof AuthorizationErrorResponse ? error.error : error.code;
      return reply.code(400).type('text/html').send(errorPage('Inloggen bij DigiD is niet afgerond', detail));
    }
    const { uid, state, returnPath, identity } = completed;
    const patient = dva().patients.byBsn(identity.bsn);
    const ticket = sha256b64url(`${uid}:${state}`);
    // docs/identity-check-reference.md: `bsn` is the person the session is for; `act` the representative, kept by pseudonym
    const act = representativeOf(identity, dva().config.PSEUDONYM_SECRET);
    await dva().store.set(`digid-ticket:${ticket}`, { uid, sub: patient?.sub, ...(act && { act }) }, 120);
    return reply.redirect(`${returnPath}?ticket=${ticket}`, 303);
  });

  app.get('/interaction/:uid/digid', async (request, reply) => {
    const { uid } = parseInput(uidParams, request.params);
    const { ticket } = parseInput(z.object({ ticket: z.string().min(1).max(128) }), request.query);
    const found = await dva().store.take<{ uid: string; sub?: string; act?: Actor }>(`digid-ticket:${ticket}`);
    if (!found || found.uid !== uid) return reply.code(400).type('text/html').send(errorPage('Inloggen verlopen', 'begin opnieuw vanuit uw PGO'));
    const details = await dva().provider.interactionDetails(request.raw, reply.raw);
    if (!found.sub) return deny(request, reply, 'this care provider holds no records for the person who logged in');
    await leaveOtherPersonsSession(dva(), details, found.sub);
    const clientId = String(details.params.client_id);
    if (!dva().module(clientId)) {
      await setCollectCookies(dva(), reply, found.sub, clientId, found.act); // docs/protocol.md §2.1: options 1 and 3b rely on the collect's cookies
      return finish(request, reply, { login: { accountId: found.sub, acr: 'urn:medmij:oauth2:acr-value:digid', amr: ['digid'] }, ...representationResult(found.act) });
    }
    const cid = (details as Details & { cid: string }).cid;
    const state = await dva().store.get<ModuleLaunchState>(launchStateKey(cid));
    if (!state) return deny(request, reply, 'launch is invalid, expired or already used');
    // docs/decisions-protocol.md D7: the person at DigiD must be the launch's person, and (decision I40) acting as the
    // launch's representative, or for themselves when the launch was; the launch is already burned (D8)
    const mismatch = state.launch.sub !== found.sub ? 'DigiD person differs from the launch' : state.launch.act?.sub !== found.act?.sub ? 'DigiD representative differs from the launch' : undefined;
    if (mismatch) {
      await dva().store.delete(launchStateKey(cid));
      await dva().audit.record({ type: 'launch.identity-mismatch', client_id: clientId, sub: state.launch.sub, outcome: 'failure', reason: mismatch });
      return deny(request, reply, 'the person who logged in at DigiD is not the person this launch was prepared for');
    }
    return verified(request, reply, cid, state, 'digid');
  });

  app.post('/interaction/:uid/consent', async (request, reply) => {
    const { uid } = parseInput(uidParams, request.params);
    const { decision } = parseInput(z.object({ decision: z.enum(['approve', 'deny']) }), request.body);
    const details = await dva().provider.interactionDetails(request.raw, reply.raw);
    if (details.uid !== uid) return reply.code(400).type('text/html').send(errorPage('Er is niets om toestemming voor te geven', 'begin opnieuw vanuit uw PGO'));
    // OWASP CSRF: the token of the interaction this browser's cookie names, before anything changes (I56)
    if (!hasInteractionFormToken(dva(), uid, request.body)) return refuseForm(reply);
    const clientId = String(details.params.client_id);
    if (decision === 'deny') {
      await dva().audit.record({ type: 'consent.denied', client_id: clientId, outcome: 'failure' });
      return deny(request, reply, 'the user did not consent');
    }
    if (details.prompt.name !== 'consent' || !details.session?.accountId) return reply.code(400).type('text/html').send(errorPage('Er is niets om toestemming voor te geven', 'begin opnieuw'));
    if (dva().module(clientId)) {
      const state = await dva().store.get<ModuleLaunchState>(launchStateKey((details as Details & { cid: string }).cid));
      if (!state?.verified) return deny(request, reply, 'launch is invalid, expired or already used');
      return moduleConsent(request, reply, details, clientId, state);
    }
    const sub = details.session.accountId;
    const patient = dva().patients.bySub(sub);
    if (!patient) return deny(request, reply, 'unknown person');
    const act = await consentRepresentative(dva(), details);
    const grantId = await grantConsent(dva(), details, sub, { kind: 'collect', sub, patient: patient.patientId, ...(act && { act }) }, dva().config.COLLECT_CONSENT_TTL);
    await dva().audit.record({ type: 'consent.granted', client_id: clientId, sub, outcome: 'success' });
    return finish(request, reply, { consent: { grantId } });
  });
}
