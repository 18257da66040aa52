/**
 * `GET /dossier/:bsn/access-log`: who looked at the care provider's record of this person, and
 * for whom (docs/decisions.md I93). The DVA's AuditEvents of the dossier's patient, read with the
 * dossier's collect token (`patient/AuditEvent.rs`); read-only, nothing stored at the PGO.
 */
import { html, type SafeHtml } from '@koppelmij/service-kit';
import type { FastifyInstance } from 'fastify';
import type { PgoContext } from './context.ts';
import { arrayOf, FhirClient, type FhirResource } from './fhir.ts';
import { pathParam, requireDossier } from './params.ts';
import type { Registrations } from './registrations.ts';
import type { DossierRef } from './session.ts';
import { renderPage } from './views.ts';

interface AccessRow {
  recorded: string;
  who: string;
  via: string[];
  what: string;
  allowed: boolean;
}

export function registerAccessLog(app: FastifyInstance, ctx: PgoContext): void {
  app.get('/dossier/:bsn/access-log', async (request, reply) => {
    const { dossier } = requireDossier(await ctx.sessions.load(request), pathParam(request, 'bsn'));
    const { accessToken, patient } = await ctx.dossiers.collectToken(dossier.bsn);
    const fhir = new FhirClient({ base: ctx.config.dvaFhirUrl, accessToken, fetch: ctx.fetch });
    const events = await fhir.search('AuditEvent', { patient: `Patient/${patient}` });
    const rows = events.map((event) => accessRow(event, ctx.registrations)).sort((a, b) => b.recorded.localeCompare(a.recorded));
    return reply.type('text/html; charset=utf-8').send(accessLogPage(dossier, rows));
  });
}

/** One AuditEvent as the person reads it: the requestor and the actors it acted through, by name. */
export function accessRow(event: FhirResource, registrations: Registrations): AccessRow {
  const name = (id: string) => registrations.modules.get(id)?.name ?? (id === registrations.pgo.clientId ? 'this PGO' : undefined);
  const agents = arrayOf(event.agent) as Array<{ requestor?: boolean; who?: { identifier?: { value?: unknown } } }>;
  const ids = agents.map((a) => (typeof a.who?.identifier?.value === 'string' ? a.who.identifier.value : '?'));
  const who = ids[0] ?? '?';
  // RFC 8693 §4.1 chain after the requestor: clients by name, a person's DVA pseudonym as "a representative"
  const via = ids.slice(1).filter((id) => id !== who).map((id) => name(id) ?? 'a representative');
  const subtype = (arrayOf(event.subtype)[0] as { code?: unknown } | undefined)?.code;
  const entities = arrayOf(event.entity) as Array<{ what?: { reference?: unknown }; type?: { code?: unknown } }>;
  const target = entities.map((e) => e.what?.reference).find((r): r is string => typeof r === 'string' && !r.startsWith('Patient/'));
  const searched = entities.map((e) => e.type?.code).find((c): c is string => typeof c === 'string' && /^[A-Z]/.test(c));
  return {
    recorded: typeof event.recorded === 'string' ? event.recorded : '',
    who: name(who) ?? who,
    via,
    what: `${typeof subtype === 'string' ? subtype : 'access'} ${target ?? searched ?? 'Patient'}`,
    allowed: event.outcome === '0',
  };
}

function accessLogPage(dossier: DossierRef, rows: AccessRow[]): string {
  const row = (r: AccessRow): SafeHtml => html`<tr data-testid="access-row">
    <td>${r.recorded.slice(0, 19).replace('T', ' ')}</td><td data-testid="access-who">${r.who}</td>
    <td data-testid="access-via">${r.via.join(', ')}</td><td>${r.what}</td><td>${r.allowed ? 'allowed' : 'refused'}</td></tr>`;
  return renderPage(
    `Who viewed the record of ${dossier.name}`,
    html`<p><a href="/dossier/${dossier.bsn}">← Dossier</a></p>
      <h2>Who viewed the record of ${dossier.name} at the care provider</h2>
      ${rows.length === 0
        ? html`<p class="muted" data-testid="access-empty">Nobody yet.</p>`
        : html`<table data-testid="access-log"><tr><th>when (UTC)</th><th>who</th><th>for / via</th><th>what</th><th>outcome</th></tr>${rows.map(row)}</table>`}`,
  );
}
