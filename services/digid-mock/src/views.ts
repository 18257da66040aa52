import { html, page, type SafeHtml } from '@koppelmij/service-kit';
import { displayName, mandatorsOf, type TestPerson } from './persons.ts';

const LOOK = { service: 'DigiD (mock)', accent: '#a85300' }; // DigiD's orange, darkened to 5.4:1 on white (WCAG 2.2 1.4.3)

function render(title: string, body: SafeHtml): string {
  return page(title, body, LOOK);
}

function personLine(person: TestPerson): SafeHtml {
  return html`<b>${displayName(person)}</b> <span class="muted">BSN ${person.bsn} · geboren ${person.birthDate}</span>`;
}

/** Step 1: pick a test person. Nothing is verified; the page says so. */
export function loginPage(uid: string, csrf: string, clientId: string, persons: readonly TestPerson[], reason?: unknown): string {
  const options = persons.map(
    (p) => html`<label class="card" style="display:block">
      <input type="radio" name="bsn" value="${p.bsn}" required data-testid="digid-person-${p.bsn}"> ${personLine(p)}
      ${p.mandates.length > 0 && html`<span class="muted"> · gemachtigd voor ${mandatorsOf(p).map(displayName).join(', ')}</span>`}
    </label>`,
  );
  return render(
    'Inloggen',
    html`${loginReason(reason)}<p>Inloggen bij <b>${clientId}</b>. Dit is een nagebootste DigiD: kies een testpersoon, er wordt geen wachtwoord gevraagd.</p>
    <form method="post" action="/interaction/${uid}/login"><input type="hidden" name="csrf" value="${csrf}"><fieldset><legend>Testpersoon</legend>${options}</fieldset>
      <p><button type="submit" data-testid="digid-login">Inloggen</button></p>
    </form>
    <form method="post" action="/interaction/${uid}/abort"><input type="hidden" name="csrf" value="${csrf}"><button type="submit" data-testid="digid-cancel" class="secondary">Annuleren</button></form>`,
  );
}

// docs/decisions.md I137: the DVA says why it asks for DigiD when a module launch arrives in a browser it does not know
function loginReason(reason: unknown): SafeHtml | false {
  return (
    reason === 'launch-browser-unknown' &&
    html`<div class="card" data-testid="digid-reason"><p>Uw zorgaanbieder herkent deze browser niet als de browser waarin de module werd klaargezet
    (er is geen startcookie). Log daarom in met DigiD: alleen de persoon voor wie de module werd gestart kan hem hier openen.</p></div>`
  );
}

/** Step 2 for a representative: act for themselves or for one of the persons who mandated them. */
export function actForPage(uid: string, csrf: string, holder: TestPerson): string {
  const choices = mandatorsOf(holder).map(
    (p) => html`<p class="card"><button type="submit" name="represent" value="${p.bsn}" data-testid="digid-represent-${p.bsn}">Namens ${displayName(p)}</button>
      <span class="muted">BSN ${p.bsn} · geboren ${p.birthDate}</span></p>`,
  );
  return render(
    'Namens wie?',
    html`<p>U bent ingelogd als ${personLine(holder)}. Voor wie handelt u?</p>
    <form method="post" action="/interaction/${uid}/login"><input type="hidden" name="csrf" value="${csrf}">
      <input type="hidden" name="bsn" value="${holder.bsn}">
      <p class="card"><button type="submit" name="represent" value="self" data-testid="digid-represent-self">Voor mijzelf</button></p>
      ${choices}
    </form>`,
  );
}

/** The page of a refused form post (service-kit's cross-origin check, a missing form token). */
export const FORM_REFUSED = 'This form was not sent from this login page. Start again from the application.';
export const formRefusedPage = (): string => errorPage('Cannot log in', FORM_REFUSED);

/** An error page: a fixed title and message, never a stack trace. */
export function errorPage(title: string, message: string): string {
  return render(title, html`<div class="card error" data-testid="digid-error"><p>${message}</p></div>`);
}
