import { currentTraceId, html, type SafeHtml } from '@koppelmij/service-kit';
import type { LaunchSummary } from './launch-summary.ts';

const json = (value: unknown): string => JSON.stringify(value, null, 1);

/** "Zo is deze module gestart": the token response's launch context and the id_token claims, never a token. */
export function launchSection(launch: LaunchSummary): SafeHtml {
  const rows: [string, unknown][] = [
    ['token_type', launch.token_type],
    ['scope', launch.scope],
    ['expires_in', launch.expires_in],
    ['patient', launch.patient],
    ['fhirContext', launch.fhirContext],
    ['cnf.jkt', launch.jkt],
    ['return_url', launch.return_url],
    ['act', launch.act],
    ['refresh_token', launch.refresh_token === undefined ? undefined : 'ontvangen (niet getoond)'],
  ];
  return html`<details class="card" data-testid="module-launch"><summary>Zo is deze module gestart</summary>
<p class="muted">Het antwoord van het tokenendpoint, zonder de tokens zelf.</p>
<table>${rows
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => html`<tr><th scope="row"><code>${name}</code></th><td data-testid="module-launch-${name}"><code>${typeof value === 'string' ? value : json(value)}</code></td></tr>`)}</table>
${launch.id_token !== undefined && html`<p>Claims van het id_token:</p><pre data-testid="module-launch-id-token">${json(launch.id_token)}</pre>`}
</details>`;
}

/** The PGO's "wat er net gebeurde" page for this launch, when the demo records it (docs/decisions.md I139). */
export function demoTraceSection(pgoUrl: string | undefined): SafeHtml | false {
  const id = currentTraceId();
  return (
    id !== undefined &&
    pgoUrl !== undefined &&
    html`<p class="card" data-testid="module-trace"><a href="${pgoUrl}/demo/trace/${id}/view" data-testid="module-trace-link">Wat er net gebeurde</a>: de berichten van deze start, stap voor stap (demo).</p>`
  );
}
