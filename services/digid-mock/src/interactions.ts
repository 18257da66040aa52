import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import { errors } from 'oidc-provider';
import { z } from 'zod';
import { accountIdFor } from './accounts.ts';
import { personByBsn, TEST_PERSONS } from './persons.ts';
import { FormTokens } from '@koppelmij/service-kit';
import { actForPage, errorPage, FORM_REFUSED, loginPage } from './views.ts';

type Interaction = Awaited<ReturnType<Provider['interactionDetails']>>;

/** A bad interaction request: answered with an HTML page and `status`, never a 500. */
export class InteractionError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'InteractionError';
    this.status = status;
  }
}

const EXPIRED = 'Deze inlogsessie is verlopen of bestaat niet. Begin opnieuw vanuit de toepassing.';

const uidParams = z.object({ uid: z.string().regex(/^[\w-]{1,64}$/) });
const bsn = z.string().regex(/^[0-9]{9}$/);
const loginForm = z.object({ bsn, represent: z.union([z.literal('self'), bsn]).optional() });

// no-store, CSP and the other security headers: service-kit registerSecurityHeaders (app.ts)
function sendPage(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(body);
}

/** The interaction of this browser (its interaction cookie), which must be the one in the URL. */
async function loadInteraction(provider: Provider, request: FastifyRequest, reply: FastifyReply): Promise<Interaction> {
  const params = uidParams.safeParse(request.params);
  if (!params.success) throw new InteractionError(400, EXPIRED);
  const interaction = await provider.interactionDetails(request.raw, reply.raw);
  if (interaction.uid !== params.data.uid) throw new InteractionError(400, EXPIRED);
  return interaction;
}

function requirePrompt(interaction: Interaction, name: 'login' | 'consent'): void {
  if (interaction.prompt.name !== name) throw new InteractionError(400, `This step does not expect a ${name}.`);
}

/**
 * DigiD asks no consent: the client is registered, so the consent prompt is answered at once
 * with a Grant of exactly the scopes oidc-provider reports missing. With no single sign-on
 * there is never an earlier grant to extend, and with the claims parameter disabled (the
 * default) scopes are all a request can ask for.
 */
async function grantConsent(provider: Provider, request: FastifyRequest, reply: FastifyReply, interaction: Interaction): Promise<string> {
  const accountId = interaction.session?.accountId;
  if (!accountId) throw new InteractionError(400, EXPIRED);
  const grant = new provider.Grant({ accountId, clientId: String(interaction.params.client_id) });
  const { missingOIDCScope } = interaction.prompt.details as { missingOIDCScope?: string[] };
  if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope);
  const grantId = await grant.save();
  return provider.interactionResult(request.raw, reply.raw, { consent: { grantId } });
}

/** The login pages at `/interaction/:uid` (the provider's `interactions.url`). */
export async function registerInteractionRoutes(app: FastifyInstance, provider: Provider): Promise<void> {
  // docs/decisions.md I56: each form carries a token bound to its interaction, keyed like the interaction cookie
  const formTokens = new FormTokens((provider as unknown as { keys: string[] }).keys);
  const csrf = (interaction: Interaction) => formTokens.issue(`interaction:${interaction.uid}`);
  /** A form post must carry its interaction's token (OWASP CSRF cheat sheet), checked before anything changes. */
  const requireFormToken = (request: FastifyRequest, interaction: Interaction) => {
    if (!formTokens.verify(`interaction:${interaction.uid}`, request.body)) throw new InteractionError(403, FORM_REFUSED);
  };
  await app.register(async (scope) => {
    scope.setErrorHandler((error, _request, reply) => {
      if (error instanceof InteractionError) return sendPage(reply, error.status, errorPage('Inloggen lukt niet', error.message));
      // no interaction cookie, or its interaction or session has expired
      if (error instanceof errors.SessionNotFound) return sendPage(reply, 400, errorPage('Inloggen lukt niet', EXPIRED));
      throw error; // the app's handler: a generic 500 without details
    });

    scope.get('/interaction/:uid', async (request, reply) => {
      const interaction = await loadInteraction(provider, request, reply);
      if (interaction.prompt.name === 'consent') return reply.redirect(await grantConsent(provider, request, reply, interaction), 303);
      requirePrompt(interaction, 'login');
      return sendPage(reply, 200, loginPage(interaction.uid, csrf(interaction), String(interaction.params.client_id), TEST_PERSONS, interaction.params.koppelmij_reason));
    });

    scope.post('/interaction/:uid/login', async (request, reply) => {
      const interaction = await loadInteraction(provider, request, reply);
      requirePrompt(interaction, 'login');
      requireFormToken(request, interaction);
      const form = loginForm.safeParse(request.body);
      if (!form.success) throw new InteractionError(400, 'Kies een testpersoon.');
      const holder = personByBsn(form.data.bsn);
      if (!holder) throw new InteractionError(400, 'Er is geen testpersoon met dit BSN (no test person).');
      const { represent } = form.data;
      if (represent === undefined && holder.mandates.length > 0) return sendPage(reply, 200, actForPage(interaction.uid, csrf(interaction), holder));
      const accountId = accountIdFor(holder, represent);
      if (!accountId) throw new InteractionError(400, 'Deze persoon heeft u niet gemachtigd om namens hem of haar te handelen (not mandated).');
      const returnTo = await provider.interactionResult(request.raw, reply.raw, { login: { accountId } }, { mergeWithLastSubmission: false });
      return reply.redirect(returnTo, 303);
    });

    scope.post('/interaction/:uid/abort', async (request, reply) => {
      requireFormToken(request, await loadInteraction(provider, request, reply));
      const result = { error: 'access_denied', error_description: 'End-User aborted interaction' };
      return reply.redirect(await provider.interactionResult(request.raw, reply.raw, result), 303);
    });
  });
}
