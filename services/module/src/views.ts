import { html, page, type SafeHtml } from '@koppelmij/service-kit';
import { patientDisplayName, type Patient, type Task } from './fhir-resources.ts';
import type { ModuleRegistration } from './registrations.ts';
import type { LaunchSummary } from './launch-summary.ts';
import { demoTraceSection, launchSection } from './views-launch.ts';

const SERVICE = { service: 'Module', accent: '#6a1b9a' };

/*
 * Every page shows safe context only: names, ids, descriptions. Tokens, codes and stack
 * traces never reach the HTML (docs/protocol.md §8 item 32); interpolations are escaped by `html`.
 */

/** `GET /`: the module identities this service hosts. */
export function indexPage(registrations: readonly ModuleRegistration[], publicUrl: string): string {
  const rows = registrations.map(
    (r) => html`<tr><td>${r.clientName}</td><td><code>${r.clientId}</code></td><td>${r.auth.method}</td>
<td><code>${publicUrl}/m/${r.clientId}/launch</code></td></tr>`,
  );
  return page(
    'Voorbeeldmodule',
    html`<p>Een SMART on FHIR-app met een backend. Start hem vanuit uw PGO; hij kan niet direct worden geopend.</p>
<table><tr><th scope="col">module</th><th scope="col">client_id</th><th scope="col">clientauthenticatie</th><th scope="col">launch-URL</th></tr>${rows}</table>`,
    SERVICE,
  );
}

/**
 * An error page. `code` is an OAuth error code or HTTP status from the other side, never a token;
 * `description` the authorization server's `error_description` (RFC syntax only); `back` links to
 * the form for a correctable input error, `home` to the PGO the person came from.
 */
export function errorPage(message: string, options: { code?: string; back?: string; description?: string; home?: string } = {}): string {
  const { code, back, description, home } = options;
  return page(
    'De module kan niet verder',
    html`<div class="card error" data-testid="module-error"><p data-testid="module-error-message">${message}</p>
${description !== undefined && html`<p>Toelichting van de zorgaanbieder: <q data-testid="module-error-description">${description}</q></p>`}
${code === undefined ? '' : html`<p class="muted">Foutcode: <code data-testid="module-error-code">${code}</code></p>`}</div>
${back === undefined
  ? html`<p>${home === undefined ? 'Ga terug naar uw PGO en start de module opnieuw.' : html`<a href="${home}" data-testid="module-error-home">Terug naar uw PGO</a> en start de module daar opnieuw.`}</p>`
  : html`<p><a href="${back}">Terug naar het formulier</a></p>`}
${demoTraceSection(home)}`,
    SERVICE,
  );
}

export interface AppView {
  registration: ModuleRegistration;
  patient: Patient;
  /** Absent for a standalone launch (level S). */
  task?: Task;
  csrf: string;
  /** docs/identity-check-reference.md: a representative acts for the patient. */
  representation?: boolean;
  launch?: LaunchSummary | undefined;
  /** The PGO's URL, for the demo's link to this launch's trace. */
  pgoUrl?: string | undefined;
}

/** `GET /m/:client_id/app`: the patient, the Task and the form. */
export function appPage(view: AppView): string {
  const { registration, patient, task } = view;
  const form = registration.result === 'observation' ? bloodPressureFields() : questionnaireFields();
  return page(
    registration.clientName,
    html`<div class="card"><p>Patient: <b data-testid="module-patient-name">${patientDisplayName(patient)}</b></p>
${view.representation === true && html`<p data-testid="module-on-behalf">U handelt namens ${patientDisplayName(patient)}</p>`}
${task === undefined
  ? registration.pgoDomain
    ? html`<p class="muted" data-testid="module-standalone">Deze module hoort bij uw PGO: wat u invult, komt in uw PGO-dossier en niet bij uw zorgaanbieder.</p>`
    : html`<p class="muted" data-testid="module-standalone">Op eigen initiatief gestart: er is geen taak van uw zorgaanbieder. Wat u invult, gaat naar uw zorgaanbieder.</p>`
  : html`<p>Taak: <code data-testid="module-task-id">${task.id}</code> <span class="muted">(${task.status})</span></p>
${task.description ?? task.code?.text ? html`<p data-testid="module-task-description">${task.description ?? task.code?.text}</p>` : ''}`}</div>
<form method="post" action="/m/${registration.clientId}/submit" class="card">
<input type="hidden" name="csrf" value="${view.csrf}">${form}
<p><button type="submit" data-testid="module-submit">Versturen</button></p></form>
${view.launch !== undefined && launchSection(view.launch)}${demoTraceSection(view.pgoUrl)}`,
    SERVICE,
  );
}

function bloodPressureFields(): SafeHtml {
  return html`<p><label>Bovendruk (systolisch, mmHg) <input name="systolic" type="number" min="60" max="260" required data-testid="module-systolic"></label></p>
<p><label>Onderdruk (diastolisch, mmHg) <input name="diastolic" type="number" min="30" max="160" required data-testid="module-diastolic"></label></p>`;
}

function questionnaireFields(): SafeHtml {
  const options = [1, 2, 3, 4, 5].map((n) => html`<option value="${n}">${n}</option>`);
  return html`<p><label>Hoe gaat het vandaag met u? (1 = slecht, 5 = heel goed) <select name="score" data-testid="module-score">${options}</select></label></p>
<p><label>Opmerking <textarea name="remark" maxlength="500" data-testid="module-remark"></textarea></label></p>`;
}

/** Shown after terugkeer when the token response named no `return_url` (docs/protocol.md §4.5). */
export function donePage(registration: ModuleRegistration): string {
  return page(
    registration.clientName,
    html`<div class="card ok" data-testid="module-done"><p>${registration.pgoDomain ? 'Dank u. Uw meting staat nu in uw PGO-dossier.' : 'Dank u. Uw meting is naar uw zorgaanbieder gestuurd.'}</p></div>
<p class="muted">U kunt dit venster sluiten en teruggaan naar uw PGO.</p>`,
    SERVICE,
  );
}
