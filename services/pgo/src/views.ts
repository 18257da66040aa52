/**
 * The PGO's HTML pages. Every value is escaped by `html`; the `data-testid`s are the stable
 * hooks of the end-to-end tests. Pages show task summaries only, never a token (docs/protocol.md §8 item 26).
 */
import { html, page, type SafeHtml } from '@koppelmij/service-kit';
import { isFinished, type DossierData, type TaskSummary } from './dossier-store.ts';
import type { DossierRef, Session } from './session.ts';
import { dossierLegend, levelBadge } from './views-levels.ts';

/** FHIR Task.status in Dutch (R4 task-status), beside the code the tests read. */
const STATUS: Record<string, string> = {
  requested: 'aangevraagd',
  received: 'ontvangen',
  accepted: 'geaccepteerd',
  ready: 'klaar om te starten',
  'in-progress': 'bezig',
  'on-hold': 'gepauzeerd',
  completed: 'afgerond',
  cancelled: 'geannuleerd',
  failed: 'mislukt',
  rejected: 'afgewezen',
};

const STYLE = { service: 'PGO', accent: '#0b6e4f' };

/** A complete page in the PGO's style. */
export function renderPage(title: string, body: SafeHtml): string {
  return page(title, body, STYLE);
}

/** `GET /`: the login button, or the dossiers of the logged-in person. */
export function startPage(session: Session | undefined): string {
  const user = session?.data.user;
  if (!user) {
    return renderPage(
      'Welkom',
      html`<p>Uw persoonlijke gezondheidsomgeving. Log in met DigiD om uw dossier te zien.</p>
        <form method="get" action="/login"><button type="submit" data-testid="pgo-login">Inloggen met DigiD</button></form>`,
    );
  }
  return renderPage(
    'Uw dossiers',
    html`<p>${typeof user.act?.name === 'string'
      ? html`Ingelogd als <b data-testid="user-name">${user.act.name}</b>, namens <b>${user.name}</b>.`
      : html`Ingelogd als <b data-testid="user-name">${user.name}</b>.`}</p>
      <ul>${session.data.dossiers.map((d) => html`<li>${dossierLink(d)}</li>`)}</ul>
      <form method="post" action="/logout"><input type="hidden" name="csrf" value="${session.data.csrf}">
        <button type="submit" data-testid="pgo-logout">Uitloggen</button></form>`,
  );
}

function dossierLink(dossier: DossierRef): SafeHtml {
  const label = dossier.relation === 'self' ? 'uw eigen dossier' : 'namens deze persoon';
  return html`<a data-testid="dossier-${dossier.bsn}" href="/dossier/${dossier.bsn}">${dossier.name}</a>
    <span class="muted">(${label})</span>`;
}

/** `GET /dossier/:bsn`: the collect button, and the collected Tasks grouped by ServiceRequest. */
export function dossierPage(session: Session, dossier: DossierRef, data: DossierData | undefined, notice?: string, selfStart?: SafeHtml): string {
  const csrf = html`<input type="hidden" name="csrf" value="${session.data.csrf}">`;
  const groups = new Map<string, { label: string; tasks: TaskSummary[] }>();
  for (const task of data?.tasks ?? []) {
    const group = groups.get(task.groupKey) ?? { label: task.groupLabel, tasks: [] };
    group.tasks.push(task);
    groups.set(task.groupKey, group);
  }
  const body = html`<p><a href="/">← Dossiers</a></p>
    ${dossier.relation === 'represented' && html`<p class="muted" data-testid="dossier-on-behalf">U handelt namens ${dossier.name}. Kies bij DigiD voor ${dossier.name}.</p>`}
    ${notice !== undefined && html`<div class="card" data-testid="notice">${notice}</div>`}
    <form method="post" action="/dossier/${dossier.bsn}/collect">${csrf}
      <button type="submit" data-testid="collect">Taken ophalen bij mijn zorgaanbieder</button></form>
    ${data === undefined
      ? html`<p class="muted">Nog niets opgehaald.</p>`
      : html`<p class="muted">Opgehaald op ${new Date(data.collectedAt * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC; ${data.tasks.length} ${data.tasks.length === 1 ? 'taak' : 'taken'}. <a href="/dossier/${dossier.bsn}/access-log" data-testid="access-log-link">Wie heeft mijn gegevens bekeken</a></p>`}
    ${[...groups].map(
      ([key, group]) => html`<section class="card" data-testid="group-${key}"><h2>${group.label}</h2>
        ${group.tasks.map((task) => taskCard(dossier, task, csrf))}</section>`,
    )}
    ${selfStart}
    ${dossierLegend()}`;
  return renderPage(`Dossier van ${dossier.name}`, body);
}

function taskCard(dossier: DossierRef, task: TaskSummary, csrf: SafeHtml): SafeHtml {
  const option = task.module?.launchOption;
  const start =
    option !== undefined && !isFinished(task.status)
      ? html`<form method="post" action="/dossier/${dossier.bsn}/tasks/${task.id}/start">${csrf}
          <button type="submit" data-testid="start-module-${task.id}" data-launch-option="${option}">Module starten (optie ${option})</button>
          <span class="muted">${task.module?.name}</span></form>`
      : task.link !== undefined && !isFinished(task.status)
        ? html`<form method="post" action="/dossier/${dossier.bsn}/tasks/${task.id}/start">${csrf}
          <button type="submit" data-testid="open-link-${task.id}">Openen</button> <span class="muted">${task.link.name}</span></form>`
      : task.launchProblem !== undefined && !isFinished(task.status)
        ? html`<p class="muted" data-testid="launch-problem-${task.id}">${task.launchProblem}</p>`
        : html``;
  return html`<div class="card" data-testid="task-${task.id}">
    <div><b>${task.description}</b> ${task.level !== undefined && levelBadge(task.level, `module-level-${task.id}`)}</div>
    <div>Status: <span data-testid="task-status-${task.id}">${task.status}</span> <span class="muted">(${STATUS[task.status] ?? 'onbekend'})</span></div>
    ${start}</div>`;
}

/** An error page: the title, the fixed message and a way back. */
export function errorPage(title: string, message: string): string {
  return renderPage(title, html`<div class="card error" data-testid="error"><p>${message}</p></div><p><a href="/">Terug naar de startpagina</a></p>`);
}
