import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { html, page, type SafeHtml } from '../html.ts';
import { numberedMessages, type TraceMessage } from './steps.ts';
import { demoTraces, type TraceStore } from './store.ts';
import { messageLabel, PARTY_NAMES, sequenceSvg } from './svg.ts';

/*
 * "Wat er net gebeurde": a trace as JSON (`GET /demo/trace/:id`) and as a page with a sequence
 * diagram and every message's redacted parameters (`GET /demo/trace/:id/view`), and the option's
 * document from docs/ (`GET /demo/docs/:name`). Demo only (docs/decisions.md I139).
 */

const DOCS: Record<string, string> = { '3a': 'option-3a.md', '1': 'option-1.md', '2a': 'option-2a-2b.md', '2b': 'option-2a-2b.md', '3b': 'option-3b.md' };
const DOCS_DIR = new URL('../../../../docs/', import.meta.url);
const STYLE = { service: 'Demo', accent: '#1f3a5f' };

export interface TraceRoutesOptions {
  /** The launch option of a module client (from the registrations). */
  optionOf: (clientId: string) => string | undefined;
  store?: TraceStore;
}

/** The option of a trace: that of the first module its messages reach. */
function optionOfTrace(messages: readonly TraceMessage[], optionOf: TraceRoutesOptions['optionOf']): string | undefined {
  for (const { exchange } of messages) {
    const clientId = /^\/m\/([^/]+)\//.exec(exchange.path)?.[1];
    if (exchange.to === 'module' && clientId !== undefined) return optionOf(clientId);
  }
  return undefined;
}

function json(value: unknown): string {
  return JSON.stringify(value, null, 1);
}

function details(message: TraceMessage): SafeHtml {
  const e = message.exchange;
  const shown =
    message.kind === 'request'
      ? { query: e.query, headers: e.headers, ...(e.body !== undefined && { body: e.body }) }
      : { status: e.status, ...(e.location !== undefined && { location: e.location }), headers: e.responseHeaders, ...(e.response !== undefined && { body: e.response }) };
  return html`<details><summary>parameters</summary><pre>${json(shown)}</pre></details>`;
}

export function tracePage(id: string, messages: readonly TraceMessage[], option: string | undefined, notes: readonly { text: string; party: string }[]): string {
  const doc = option === undefined ? undefined : DOCS[option];
  const rows = messages.map(
    (m, i) => html`<tr data-testid="trace-message" data-step="${m.step ?? ''}"><td>${i + 1}</td><td><b>${m.step ?? ''}</b></td>
<td>${PARTY_NAMES[m.from]} → ${PARTY_NAMES[m.to]}</td><td><code>${messageLabel(m)}</code></td><td>${details(m)}</td></tr>`,
  );
  return page(
    'Wat er net gebeurde',
    html`<p>De berichten van deze start van een module, in volgorde${option === undefined ? '' : html`, voor optie <b data-testid="trace-option">${option}</b>`}.
De nummers zijn de stappen van het protocol${doc === undefined ? '' : html` (<a href="/demo/docs/${doc}">docs/${doc}</a>, en <a href="/demo/docs/protocol.md">docs/protocol.md</a>)`}.
Codes en tokens zijn ingekort, JWT's tonen alleen header en claims, cookies alleen hun naam.</p>
<p><a href="/demo/trace/${id}">als JSON</a></p>
<div style="overflow-x:auto">${sequenceSvg(messages)}</div>
<h2>Berichten</h2>
<table><thead><tr><th scope="col">#</th><th scope="col">stap</th><th scope="col">van → naar</th><th scope="col">bericht</th><th scope="col">inhoud</th></tr></thead><tbody>${rows}</tbody></table>
${notes.length > 0 && html`<h2>Audit</h2><ul>${notes.map((n) => html`<li>${n.party}: <code>${n.text}</code></li>`)}</ul>`}`,
    STYLE,
  );
}

export function registerTraceRoutes(app: FastifyInstance, options: TraceRoutesOptions): void {
  const store = options.store ?? demoTraces;
  const load = (id: string) => {
    const trace = store.get(id);
    if (trace === undefined) return undefined;
    const first = numberedMessages(trace.exchanges, undefined);
    const option = optionOfTrace(first, options.optionOf);
    return { trace, option, messages: numberedMessages(trace.exchanges, option) };
  };

  app.get<{ Params: { id: string } }>('/demo/trace/:id', async (request, reply) => {
    const found = load(request.params.id);
    if (found === undefined) return reply.code(404).send({ error: 'not_found' });
    const { trace, option, messages } = found;
    return {
      id: trace.id,
      createdAt: trace.createdAt,
      option,
      messages: messages.map(({ kind, from, to, step, exchange: e }) => ({
        step,
        kind,
        from,
        to,
        method: e.method,
        path: e.path,
        ...(kind === 'request' ? { query: e.query, headers: e.headers, body: e.body } : { status: e.status, location: e.location, headers: e.responseHeaders, body: e.response }),
      })),
      notes: trace.notes.map(({ party, text }) => ({ party, text })),
    };
  });

  app.get<{ Params: { id: string } }>('/demo/trace/:id/view', async (request, reply) => {
    const found = load(request.params.id);
    if (found === undefined) return reply.code(404).type('text/html; charset=utf-8').send(page('Niet gevonden', html`<p>Deze trace bestaat niet (meer).</p>`, STYLE));
    return reply.type('text/html; charset=utf-8').send(tracePage(found.trace.id, found.messages, found.option, found.trace.notes));
  });

  app.get<{ Params: { name: string } }>('/demo/docs/:name', async (request, reply) => {
    const name = request.params.name;
    if (![...Object.values(DOCS), 'protocol.md'].includes(name)) return reply.code(404).send('not found');
    return reply.type('text/markdown; charset=utf-8').send(readFileSync(new URL(name, DOCS_DIR), 'utf8'));
  });
}
