/**
 * The PGO's part of the one-process demo (docs/decisions.md I138, I139): the pause before a module
 * launch (for everyone with `DEMO_PAUSE_LAUNCH`, else per browser by a toggle on the dossier page),
 * the trace pages, and the dossier's link to "wat er net gebeurde".
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { html, registerTraceRoutes, traceOfBrowser, type DemoSwitches, type SafeHtml } from '@koppelmij/service-kit';
import type { PgoContext } from './context.ts';
import { PAUSE_COOKIE, registerLaunchPause } from './demo-pause.ts';
import { BadRequest } from './errors.ts';
import { pathParam, requireDossier } from './params.ts';
import { checkCsrf } from './session.ts';

const toggle = z.object({ pause: z.enum(['on', 'off']) });

export function registerDemo(app: FastifyInstance, ctx: PgoContext, demo: DemoSwitches): void {
  registerLaunchPause(app, demo.pauseLaunch);
  if (demo.trace) registerTraceRoutes(app, { optionOf: (clientId) => ctx.registrations.modules.get(clientId)?.launchOption });

  // the toggle: a form of the dossier page, with the session's CSRF token like every other form
  app.post('/demo/pause/:bsn', async (request, reply) => {
    const { session, dossier } = requireDossier(await ctx.sessions.load(request), pathParam(request, 'bsn'));
    checkCsrf(session, request.body);
    const parsed = toggle.safeParse(request.body);
    if (!parsed.success) throw new BadRequest('Kies pauze aan of uit.');
    const { pause } = parsed.data;
    reply.setCookie(PAUSE_COOKIE, pause, { path: '/', httpOnly: true, sameSite: 'lax', secure: ctx.config.pgoUrl.startsWith('https:') });
    return reply.redirect(`/dossier/${dossier.bsn}`, 303);
  });
}

/** The dossier's demo section: the pause toggle and the link to the trace of this browser's last launch. */
export function demoSection(request: FastifyRequest, demo: DemoSwitches | undefined, csrf: string, bsn: string): SafeHtml | false {
  if (demo === undefined) return false;
  const id = demo.trace ? traceOfBrowser(request.headers.cookie) : undefined;
  const paused = demo.pauseLaunch || request.cookies[PAUSE_COOKIE] === 'on';
  return html`<section class="card" data-testid="demo"><h2>Demo</h2>
${id !== undefined && html`<p><a href="/demo/trace/${id}/view" data-testid="demo-trace-link">Wat er net gebeurde</a>: de berichten van de laatste start van een module, stap voor stap.</p>`}
${demo.pauseLaunch
  ? html`<p>Pauze vóór de module staat aan voor iedereen (<code>DEMO_PAUSE_LAUNCH</code>).</p>`
  : html`<form method="post" action="/demo/pause/${bsn}"><input type="hidden" name="csrf" value="${csrf}">
  <p>Pauze vóór de module: <b data-testid="demo-pause-state">${paused ? 'aan' : 'uit'}</b>. Met pauze toont de PGO de startlink voordat de browser hem volgt, zodat u hem in een privévenster kunt proberen.
  <button type="submit" name="pause" value="${paused ? 'off' : 'on'}" data-testid="demo-pause-toggle">${paused ? 'Pauze uitzetten' : 'Pauze aanzetten'}</button></p></form>`}
</section>`;
}
