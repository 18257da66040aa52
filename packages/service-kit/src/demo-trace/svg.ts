import { escapeHtml, raw, type SafeHtml } from '../html.ts';
import type { TraceMessage } from './steps.ts';
import type { Party } from './store.ts';

/*
 * A sequence diagram of a trace as inline SVG, drawn on the server (docs/decisions.md I140): one
 * lifeline per party, one arrow per message (requests solid, responses dashed), the step number
 * and a short label above each arrow. No script, no external font or library.
 */

export const PARTY_NAMES: Record<Party, string> = {
  browser: 'Browser',
  pgo: 'PGO',
  dvaAuth: 'DVA auth',
  dvaFhir: 'DVA FHIR',
  module: 'Module',
  digid: 'DigiD',
};
const ORDER: readonly Party[] = ['browser', 'pgo', 'dvaAuth', 'dvaFhir', 'module', 'digid'];
const COLUMN = 136;
const ROW = 30;
const TOP = 44;

/** The short text on a message's arrow. */
export function messageLabel(message: TraceMessage): string {
  const e = message.exchange;
  if (message.kind === 'request') return `${e.method} ${e.path}`;
  const where = e.location === undefined ? '' : ` → ${new URL(e.location.href).pathname}`;
  return `${e.status}${where}`;
}

export function sequenceSvg(messages: readonly TraceMessage[]): SafeHtml {
  const parties = ORDER.filter((p) => messages.some((m) => m.from === p || m.to === p));
  const x = (party: Party) => COLUMN / 2 + parties.indexOf(party) * COLUMN;
  const width = parties.length * COLUMN;
  const height = TOP + messages.length * ROW + 20;
  const heads = parties.map(
    (p) => `<rect x="${x(p) - 56}" y="4" width="112" height="26" rx="4" fill="#e8eef7" stroke="#1f3a5f"/>
<text x="${x(p)}" y="22" text-anchor="middle" font-weight="bold">${PARTY_NAMES[p]}</text>
<line x1="${x(p)}" y1="30" x2="${x(p)}" y2="${height}" stroke="#8a8a8a" stroke-dasharray="2 3"/>`,
  );
  const arrows = messages.map((m, i) => {
    const y = TOP + i * ROW + 16;
    const [x1, x2] = [x(m.from), x(m.to)];
    const self = x1 === x2;
    const end = self ? x1 + 30 : x2 + (x2 > x1 ? -6 : 6);
    const label = `${m.step === undefined ? '' : `${m.step} `}${messageLabel(m)}`;
    const shown = label.length > 44 ? `${label.slice(0, 43)}…` : label;
    return `<g data-step="${escapeHtml(m.step ?? '')}"><line x1="${x1}" y1="${y}" x2="${end}" y2="${y}" stroke="${m.kind === 'request' ? '#1f3a5f' : '#6b3e00'}" stroke-width="1.5"${m.kind === 'response' ? ' stroke-dasharray="6 3"' : ''} marker-end="url(#arrow-${m.kind})"/>
<text x="${(x1 + x2) / 2}" y="${y - 5}" text-anchor="middle" font-size="11"><tspan font-weight="bold">${escapeHtml(m.step ?? '')}</tspan> ${escapeHtml(shown.slice((m.step ?? '').length))}</text></g>`;
  });
  return raw(`<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="trace-svg-title" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12" fill="#1b1b1b" data-testid="trace-diagram">
<title id="trace-svg-title">Volgordediagram van ${messages.length} berichten tussen ${parties.map((p) => PARTY_NAMES[p]).join(', ')}</title>
<defs><marker id="arrow-request" markerWidth="8" markerHeight="8" refX="6" refY="4" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#1f3a5f"/></marker>
<marker id="arrow-response" markerWidth="8" markerHeight="8" refX="6" refY="4" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#6b3e00"/></marker></defs>
${heads.join('\n')}
${arrows.join('\n')}
</svg>`);
}
