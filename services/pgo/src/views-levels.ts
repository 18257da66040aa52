/**
 * The integration levels on the PGO's pages (docs/protocol.md §5, docs/integration-levels.md): a badge per
 * module, and the modules a person starts on their own, without a Task (L, S, PS).
 */
import { html, type SafeHtml } from '@koppelmij/service-kit';
import type { IntegrationLevel, Registrations } from './registrations.ts';

/** docs/protocol.md §5, in Dutch for the person. */
const MEANING: Record<IntegrationLevel, string> = {
  L: 'link: geen gegevens, geen taak',
  TL: 'taaklink: na een taak, zonder gegevens',
  S: 'op eigen initiatief: gegevens na uw uitdrukkelijke toestemming bij de zorgaanbieder, zonder taak',
  PS: 'PGO-module: deelt gegevens alleen met uw PGO',
  T: 'taak: gegevens delen, na een taak van uw zorgaanbieder',
};

/** The launch options a dossier shows, in a sentence each (docs/protocol.md §3.6). */
const OPTIONS: [string, string][] = [
  ['3a', 'de standaard: de PGO bereidt de start voor bij de zorgaanbieder, die deze browser herkent aan een cookie van 3 minuten, of anders om DigiD vraagt'],
  ['1', 'gearchiveerd: de zorgaanbieder herkent deze browser aan een cookie van het ophalen'],
  ['2a, 2b', 'gearchiveerd: de PGO is de autorisatieserver van de module en wisselt (2a) of laat de module wisselen (2b) bij de zorgaanbieder'],
  ['3b', 'gearchiveerd: de zorgaanbieder start de module, met uw DigiD-sessie bij de zorgaanbieder'],
];

/** The consent policies of modules at the care provider (docs/integration-levels.md). */
const CONSENT: [string, string][] = [
  ['eerste keer', 'de zorgaanbieder vraagt uw toestemming bij de eerste start van een module'],
  ['altijd', 'de zorgaanbieder vraagt het bij elke start'],
  ['nooit', 'geen vraag: uw toestemming bij het ophalen geldt ook voor de module'],
];

/** The dossier's legend: what the levels, options and consent policies on the page mean. */
export function dossierLegend(): SafeHtml {
  const list = (rows: readonly [string, string][]) => html`<dl>${rows.map(([term, meaning]) => html`<dt><b>${term}</b></dt><dd>${meaning}</dd>`)}</dl>`;
  return html`<details class="card" data-testid="legend"><summary>Uitleg: niveaus, opties en toestemming</summary>
    <h2>Niveaus</h2>${list(Object.entries(MEANING))}
    <h2>Opties voor het starten van een module</h2>${list(OPTIONS)}
    <h2>Toestemming</h2>${list(CONSENT)}</details>`;
}

/** The level of a module, with its meaning as a tooltip. */
export function levelBadge(level: IntegrationLevel, testid: string): SafeHtml {
  return html`<span class="muted" title="${MEANING[level]}">niveau <b data-testid="${testid}">${level}</b></span>`;
}

/** The note shown for a PS catalogue entry: without a registration the PGO's authorization server cannot launch it. */
export const PS_NOTE = 'Een PGO-module wordt door de autorisatieserver van de PGO gestart; deze is daar niet aangemeld.';

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
  return html`<section class="card" data-testid="self-start"><h2>Op eigen initiatief starten</h2>
    ${catalogue.map(
      (e) => html`<div class="card" data-testid="offer-${e.id}"><b>${e.name}</b> ${levelBadge(e.integrationLevel, `module-level-${e.id}`)}
        ${e.integrationLevel === 'L' && e.url !== undefined
          ? html`<div><a class="button" href="${e.url}" data-testid="open-link-${e.id}">Openen</a></div>`
          : html`<p class="muted" data-testid="launch-problem-${e.id}">${PS_NOTE}</p>`}</div>`,
    )}
    ${standalone.map(
      (m) => html`<div class="card" data-testid="offer-${m.clientId}"><b>${m.name}</b> ${levelBadge(m.integrationLevel, `module-level-${m.clientId}`)}
        <div><a class="button" href="${standaloneUrl(m.launchUrl!)}" data-testid="start-standalone-${m.clientId}">Starten</a>
        <span class="muted">u logt in en geeft toestemming bij uw zorgaanbieder</span></div></div>`,
    )}${pgoDomain}</section>`;
}
