import type { FastifyReply, FastifyRequest } from 'fastify';
import type { InteractionResults } from 'oidc-provider';
import type { Actor } from '@koppelmij/core';
import { html, type SafeHtml } from '@koppelmij/service-kit';
import type { DvaAuth } from '../context.ts';
import { layout } from '../views.ts';

export type InteractionDetails = Awaited<ReturnType<DvaAuth['provider']['interactionDetails']>>;

/** Ends the interaction with `result` and sends the browser back to oidc-provider's /authorize (303). */
export async function finishInteraction(dva: DvaAuth, request: FastifyRequest, reply: FastifyReply, result: InteractionResults): Promise<FastifyReply> {
  const to = await dva.provider.interactionResult(request.raw, reply.raw, result, { mergeWithLastSubmission: true });
  return reply.redirect(to, 303);
}

/** RFC 6749 §4.1.2.1 `access_denied` to the client, with a fixed description. */
export const denyInteraction = (dva: DvaAuth, request: FastifyRequest, reply: FastifyReply, description: string) =>
  finishInteraction(dva, request, reply, { error: 'access_denied', error_description: description });

/**
 * The one-time ticket `/digid/callback` hands to the step that asked for the DigiD login: taken
 * once (docs/decisions-protocol.md D12), and only by the step it was issued for (`uid`). `sub` is absent when the
 * DVA holds no records for the person who logged in; `act` is the representative, when one chose
 * the person (docs/identity-check-reference.md).
 */
export async function takeDigidTicket(dva: DvaAuth, ticket: string, uid: string): Promise<{ sub?: string; act?: Actor } | undefined> {
  const found = await dva.store.take<{ uid: string; sub?: string; act?: Actor }>(`digid-ticket:${ticket}`);
  return found?.uid === uid ? found : undefined;
}

export interface LaunchConsent {
  /** Where the form posts its decision. */
  action: string;
  /** The interaction's anti-CSRF token (form-token.ts). */
  csrf: string;
  /** The module's client_name. */
  module: string;
  /** Who asks: the PGO's name (option 1), or the module itself (level S). */
  requester?: string;
  /** The person's name at the DVA. */
  person?: string;
  scopes: string[];
}

/**
 * The consent screen for one module (docs/protocol.md §3.2 step 5 "the consent screen for the specific
 * module"; docs/protocol.md §5 level S "explicit user consent at the DVA"), with the same test ids as the
 * DVA's other consent screens.
 */
export function launchConsentPage(consent: LaunchConsent): string {
  const who: SafeHtml = consent.requester === undefined ? html`<strong data-testid="consent-module">${consent.module}</strong> vraagt` : html`<strong>${consent.requester}</strong> wil <strong data-testid="consent-module">${consent.module}</strong> starten en vraagt daarvoor`;
  return layout(
    'Toestemming',
    html`<div class="card"><p>${who} toegang tot gegevens van <strong>${consent.person ?? 'u'}</strong>.</p>
<ul>${consent.scopes.map((s) => html`<li><code>${s}</code></li>`)}</ul>
<form method="post" action="${consent.action}"><input type="hidden" name="csrf" value="${consent.csrf}">
<button name="decision" value="approve" data-testid="consent-approve">Toestaan</button>
<button name="decision" value="deny" data-testid="consent-deny" class="secondary">Weigeren</button></form></div>`,
  );
}
