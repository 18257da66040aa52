import type { FastifyReply } from 'fastify';
import { html, page, type SafeHtml } from '@koppelmij/service-kit';
import type { DvaAuth } from './context.ts';
import { interactionFormToken } from './collect/form-token.ts';

type Details = Awaited<ReturnType<DvaAuth['provider']['interactionDetails']>>;

/** A page in the DVA's style. */
export const layout = (title: string, body: SafeHtml): string => page(title, body, { service: 'DVA (zorgaanbieder)', accent: '#00695c' });

/** The consent screen: which client wants what, for whom (docs/protocol.md §2, §3.1.1 W13 "consent screen"). */
export function consentPage(dva: DvaAuth, details: Details, clientId: string): string {
  const registration = dva.module(clientId) ?? dva.pgo(clientId);
  const name = registration?.client_name ?? clientId;
  const patient = details.session?.accountId ? dva.patients.bySub(details.session.accountId) : undefined;
  const scopes = String(details.params.scope ?? '').split(' ').filter(Boolean);
  return layout(
    'Toestemming',
    html`<div class="card"><p><strong>${name}</strong> vraagt toegang tot gegevens van <strong>${patient?.name ?? 'u'}</strong>.</p>
<ul>${scopes.map((s) => html`<li><code>${s}</code></li>`)}</ul>
<form method="post" action="/interaction/${details.uid}/consent"><input type="hidden" name="csrf" value="${interactionFormToken(dva, details.uid)}">
<button name="decision" value="approve" data-testid="consent-approve">Toestaan</button>
<button name="decision" value="deny" data-testid="consent-deny" class="secondary">Weigeren</button></form></div>`,
  );
}

export function errorPage(title: string, detail: string): string {
  return layout(title, html`<div class="card error"><p data-testid="dva-error">${detail}</p></div>`);
}

/** The page of a refused form post: service-kit's cross-origin refusal and a missing form token (I56). */
export const formRefusedPage = (): string => errorPage('Verzoek geweigerd', 'dit formulier is niet vanaf deze pagina verstuurd; begin opnieuw vanuit uw PGO');

/** 403 for a consent form without its interaction's token (OWASP CSRF cheat sheet); nothing changes. */
export function refuseForm(reply: FastifyReply): FastifyReply {
  return reply.code(403).type('text/html; charset=utf-8').send(formRefusedPage());
}
