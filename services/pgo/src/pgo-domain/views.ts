/**
 * Level PS on the dossier page (docs/protocol.md §5; docs/integration-levels.md): a start button per module
 * of the PGO's domain, and what those modules stored in the dossier.
 */
import { html, type SafeHtml } from '@koppelmij/service-kit';
import type { ModuleInfo } from '../registrations.ts';
import type { DossierRef } from '../session.ts';
import { levelBadge } from '../views-levels.ts';
import type { StoredObservation } from './store.ts';

/** The PS modules' cards, with the dossier's stored results; empty when the deployment has none. */
export function pgoDomainCards(dossier: DossierRef, csrf: string, modules: readonly ModuleInfo[], results: readonly StoredObservation[]): SafeHtml {
  return html`${modules.map(
    (m) => html`<div class="card" data-testid="offer-${m.clientId}"><b>${m.name}</b> ${levelBadge(m.integrationLevel, `module-level-${m.clientId}`)}
      <form method="post" action="/dossier/${dossier.bsn}/modules/${m.clientId}/start"><input type="hidden" name="csrf" value="${csrf}">
        <button type="submit" data-testid="start-ps-${m.clientId}" data-launch-option="PS">Starten</button>
        <span class="muted">hoort bij deze PGO: uw gegevens blijven hier</span></form>
      <ul data-testid="ps-results-${m.clientId}">${results
        .filter((r) => r.clientId === m.clientId)
        .map((r) => html`<li data-testid="ps-result-${r.id}">${r.text}${r.effective !== undefined ? html` <span class="muted">(${r.effective})</span>` : html``}</li>`)}</ul></div>`,
  )}`;
}
