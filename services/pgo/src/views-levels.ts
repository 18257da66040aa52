/**
 * The integration levels on the PGO's pages (spec §5, docs/integration-levels.md): a badge per
 * module, and the modules a person starts on their own, without a Task (L, S, PS).
 */
import { html, type SafeHtml } from '@koppelmij/service-kit';
import type { IntegrationLevel, Registrations } from './registrations.ts';

/** spec §5, in the IG's own words. */
const MEANING: Record<IntegrationLevel, string> = {
  L: 'link: no data sharing, no task',
  TL: 'task link: after a task, no data sharing',
  S: 'standalone: data sharing with explicit consent at the care provider, no task',
  PS: 'PGO-standalone: shares data with the PGO only',
  T: 'task: data sharing, after a task of the care provider',
};

/** The level of a module, with its meaning as a tooltip. */
export function levelBadge(level: IntegrationLevel, testid: string): SafeHtml {
  return html`<span class="muted" title="${MEANING[level]}">niveau <b data-testid="${testid}">${level}</b></span>`;
}

/** The note shown for a PS catalogue entry: without a registration the PGO's authorization server cannot launch it. */
export const PS_NOTE = 'A PGO-domain module is launched by the PGO authorization server; this one has no registration.';

/**
 * "Start on your own": plain links (L), standalone modules at the care provider (S; a SMART
 * standalone launch with `iss` = the DVA FHIR base, where the person logs in and consents) and
 * PGO-domain modules (PS). Empty when the deployment offers none.
 */
export function selfStartSection(registrations: Registrations, dvaFhirUrl: string, pgoDomain: SafeHtml = html``): SafeHtml {
  const catalogue = [...registrations.catalogue.values()].filter((e) => e.integrationLevel !== 'TL');
  const standalone = [...registrations.modules.values()].filter((m) => m.integrationLevel === 'S' && m.launchUrl !== undefined);
  const hasPgoDomain = [...registrations.modules.values()].some((m) => m.integrationLevel === 'PS');
  if (catalogue.length === 0 && standalone.length === 0 && !hasPgoDomain) return html``;
  const standaloneUrl = (launchUrl: string) => {
    const url = new URL(launchUrl);
    url.searchParams.set('iss', dvaFhirUrl);
    return url.href;
  };
  return html`<section class="card" data-testid="self-start"><h3>Start on your own</h3>
    ${catalogue.map(
      (e) => html`<div class="card" data-testid="offer-${e.id}"><b>${e.name}</b> ${levelBadge(e.integrationLevel, `module-level-${e.id}`)}
        ${e.integrationLevel === 'L' && e.url !== undefined
          ? html`<div><a class="button" href="${e.url}" data-testid="open-link-${e.id}">Open</a></div>`
          : html`<p class="muted" data-testid="launch-problem-${e.id}">${PS_NOTE}</p>`}</div>`,
    )}
    ${standalone.map(
      (m) => html`<div class="card" data-testid="offer-${m.clientId}"><b>${m.name}</b> ${levelBadge(m.integrationLevel, `module-level-${m.clientId}`)}
        <div><a class="button" href="${standaloneUrl(m.launchUrl!)}" data-testid="start-standalone-${m.clientId}">Start</a>
        <span class="muted">you log in and consent at your care provider</span></div></div>`,
    )}${pgoDomain}</section>`;
}
