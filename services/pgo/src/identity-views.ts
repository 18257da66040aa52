/**
 * The pages of the safeguards against data of another person in a dossier (identity-check.md
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
    html`<p>You opened the dossier of <b>${name}</b>, but at the care provider (DigiD) you logged in for <b>someone else</b>.</p>
      <p>Data of another person must never end up in this dossier, so the PGO fetched nothing and stored nothing.</p>
      <p>Collect again and choose <b>${name}</b> at DigiD.</p>`,
  'insufficient-data': (name) =>
    html`<p>The care provider could not confirm that its records are those of <b>${name}</b>: it holds too little identifying data to be sure.</p>
      <p>To keep another person's data out of this dossier, the PGO fetched nothing and stored nothing. Ask the care provider to complete its records.</p>`,
  unavailable: (name) =>
    html`<p>The care provider's identity check could not be carried out, so it is not certain that its records are those of <b>${name}</b>.</p>
      <p>The PGO fetched nothing and stored nothing. Try again later.</p>`,
  'no-identity': (name) =>
    html`<p>The care provider did not say whose records it gave access to, so the PGO cannot compare them with <b>${name}</b>.</p>
      <p>The PGO fetched nothing and stored nothing.</p>`,
  'check-required': (name) =>
    html`<p>The care provider gives data only after its identity check has confirmed that its records are those of <b>${name}</b>, and that check has not succeeded for this login.</p>
      <p>To keep another person's data out of this dossier, the PGO stored nothing. Collect again and make sure you choose <b>${name}</b> at DigiD.</p>`,
};

/** The refusal page: whose dossier is open, why nothing was stored, what to do. */
export function identityWarningPage(dossier: DossierRef, reason: RefusalReason): string {
  return renderPage(
    'Not stored: another person?',
    html`<div class="card error" data-testid="identity-warning" data-reason="${reason}">${EXPLANATIONS[reason](dossier.name)}</div>
      <p><a data-testid="identity-warning-back" href="/dossier/${dossier.bsn}">Back to the dossier of ${dossier.name}</a></p>`,
  );
}

/** Safeguard 4.3.1: asked after the redirect back, before the code is redeemed. */
export function confirmPage(session: Session, dossier: DossierRef, state: string, dataServices: string[]): string {
  return renderPage(
    'Store the data?',
    html`<div class="card" data-testid="confirm-collect">
      <p>You chose to store data from <b>${dataServices.join(', ')}</b> in the dossier of <b data-testid="confirm-dossier-name">${dossier.name}</b>. Are you sure?</p>
      <p class="muted">Only continue when you logged in at DigiD for ${dossier.name}.</p>
      <form method="post" action="/dossier/${dossier.bsn}/confirm">
        <input type="hidden" name="csrf" value="${session.data.csrf}"><input type="hidden" name="state" value="${state}">
        <button type="submit" name="decision" value="approve" data-testid="confirm-approve">Yes, store it in this dossier</button>
        <button type="submit" name="decision" value="cancel" data-testid="confirm-cancel">No, cancel</button>
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
    'Quarantine',
    html`<div class="card" data-testid="quarantine">
      <p>The care provider's data has been fetched but is <b>not yet</b> in the dossier of <b>${dossier.name}</b>.</p>
      <p>It is about: <b data-testid="quarantine-person">${person.name}</b>${person.birthDate !== undefined && html`, born ${person.birthDate}`}.</p>
      ${!person.matches &&
      html`<p class="error" data-testid="identity-warning" data-reason="mismatch">This data does not seem to be about ${dossier.name}. Discard it unless you are sure.</p>`}
      <ul>${tasks.map((t) => html`<li data-testid="quarantine-task-${t.id}">${t.description}</li>`)}</ul>
      <form method="post" action="/dossier/${dossier.bsn}/quarantine">${csrf}
        <button type="submit" name="decision" value="accept" data-testid="quarantine-accept">Move into the dossier of ${dossier.name}</button>
        <button type="submit" name="decision" value="discard" data-testid="quarantine-discard">Discard</button>
      </form></div>`,
  );
}
