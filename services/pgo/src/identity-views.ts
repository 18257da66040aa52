/**
 * The pages of the safeguards against data of another person in a dossier (docs/identity-check-reference.md
 * "Alternatives"): the warning when a safeguard refuses, the confirm screen (4.3.1) and the
 * quarantine box (4.3.2). They name the dossier's person, never the other person the DVA login
 * was for, except the quarantine box, whose point is to show what arrived.
 */
import { html, type SafeHtml } from '@koppelmij/service-kit';
import type { TaskSummary } from './dossier-store.ts';
import type { DossierRef, Session } from './session.ts';
import { renderPage } from './views.ts';

/** Why a safeguard refused a collect. */
export type RefusalReason = 'mismatch' | 'insufficient-data' | 'unavailable' | 'no-identity' | 'check-required';

const EXPLANATIONS: Record<RefusalReason, (name: string) => SafeHtml> = {
  mismatch: (name) =>
    html`<p>U opende het dossier van <b>${name}</b>, maar bij de zorgaanbieder (DigiD) logde u in voor <b>iemand anders</b>.</p>
      <p>Gegevens van een ander mogen nooit in dit dossier komen. Daarom heeft de PGO niets opgehaald en niets bewaard.</p>
      <p>Haal de gegevens opnieuw op en kies bij DigiD voor <b>${name}</b>.</p>`,
  'insufficient-data': (name) =>
    html`<p>De zorgaanbieder kon niet bevestigen dat zijn gegevens van <b>${name}</b> zijn: hij heeft te weinig identificerende gegevens om zeker te zijn.</p>
      <p>Om gegevens van een ander uit dit dossier te houden, heeft de PGO niets opgehaald en niets bewaard. Vraag de zorgaanbieder zijn gegevens aan te vullen.</p>`,
  unavailable: (name) =>
    html`<p>De identiteitscontrole van de zorgaanbieder kon niet worden uitgevoerd. Het is dus niet zeker dat zijn gegevens van <b>${name}</b> zijn.</p>
      <p>De PGO heeft niets opgehaald en niets bewaard. Probeer het later opnieuw.</p>`,
  'no-identity': (name) =>
    html`<p>De zorgaanbieder zei niet van wie de gegevens zijn waartoe hij toegang gaf. De PGO kan ze dus niet vergelijken met <b>${name}</b>.</p>
      <p>De PGO heeft niets opgehaald en niets bewaard.</p>`,
  'check-required': (name) =>
    html`<p>De zorgaanbieder geeft gegevens pas als zijn identiteitscontrole heeft bevestigd dat ze van <b>${name}</b> zijn, en die controle is voor deze inlog niet gelukt.</p>
      <p>Om gegevens van een ander uit dit dossier te houden, heeft de PGO niets bewaard. Haal de gegevens opnieuw op en kies bij DigiD voor <b>${name}</b>.</p>`,
};

/** The refusal page: whose dossier is open, why nothing was stored, what to do. */
export function identityWarningPage(dossier: DossierRef, reason: RefusalReason): string {
  return renderPage(
    'Niet bewaard: een andere persoon?',
    html`<div class="card error" data-testid="identity-warning" data-reason="${reason}">${EXPLANATIONS[reason](dossier.name)}</div>
      <p><a data-testid="identity-warning-back" href="/dossier/${dossier.bsn}">Terug naar het dossier van ${dossier.name}</a></p>`,
  );
}

/** Safeguard 4.3.1: asked after the redirect back, before the code is redeemed. */
export function confirmPage(session: Session, dossier: DossierRef, state: string, dataServices: string[]): string {
  return renderPage(
    'Gegevens bewaren?',
    html`<div class="card" data-testid="confirm-collect">
      <p>U koos ervoor gegevens van <b>${dataServices.join(', ')}</b> te bewaren in het dossier van <b data-testid="confirm-dossier-name">${dossier.name}</b>. Weet u het zeker?</p>
      <p class="muted">Ga alleen verder als u bij DigiD inlogde voor ${dossier.name}.</p>
      <form method="post" action="/dossier/${dossier.bsn}/confirm">
        <input type="hidden" name="csrf" value="${session.data.csrf}"><input type="hidden" name="state" value="${state}">
        <button type="submit" name="decision" value="approve" data-testid="confirm-approve">Ja, bewaar ze in dit dossier</button>
        <button type="submit" name="decision" value="cancel" data-testid="confirm-cancel" class="secondary">Nee, annuleren</button>
      </form></div>`,
  );
}

/** What the quarantine box shows of the person the data is about (from the DVA's Patient resource). */
export interface QuarantinedPerson {
  name: string;
  birthDate?: string;
  /** Whether it matches the dossier's person by the identity-check rules. */
  matches: boolean;
}

/** Safeguard 4.3.2: the fetched data waits here until the person moves it into the dossier or discards it. */
export function quarantinePage(session: Session, dossier: DossierRef, person: QuarantinedPerson, tasks: TaskSummary[]): string {
  const csrf = html`<input type="hidden" name="csrf" value="${session.data.csrf}">`;
  return renderPage(
    'Quarantaine',
    html`<div class="card" data-testid="quarantine">
      <p>De gegevens van de zorgaanbieder zijn opgehaald, maar staan <b>nog niet</b> in het dossier van <b>${dossier.name}</b>.</p>
      <p>Ze gaan over: <b data-testid="quarantine-person">${person.name}</b>${person.birthDate !== undefined && html`, geboren ${person.birthDate}`}.</p>
      ${!person.matches &&
      html`<p class="error" data-testid="identity-warning" data-reason="mismatch">Deze gegevens lijken niet over ${dossier.name} te gaan. Gooi ze weg, tenzij u het zeker weet.</p>`}
      <ul>${tasks.map((t) => html`<li data-testid="quarantine-task-${t.id}">${t.description}</li>`)}</ul>
      <form method="post" action="/dossier/${dossier.bsn}/quarantine">${csrf}
        <button type="submit" name="decision" value="accept" data-testid="quarantine-accept">In het dossier van ${dossier.name} zetten</button>
        <button type="submit" name="decision" value="discard" data-testid="quarantine-discard" class="secondary">Weggooien</button>
      </form></div>`,
  );
}
