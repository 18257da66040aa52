/**
 * The PGO's part of the one-process demo (docs/decisions.md I138, I139): the pause before a module
 * launch, the trace pages, and the dossier's link to "wat er net gebeurde".
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { html, registerTraceRoutes, traceOfBrowser, type DemoSwitches, type SafeHtml } from '@koppelmij/service-kit';
import type { PgoContext } from './context.ts';
import { registerLaunchPause } from './demo-pause.ts';

export function registerDemo(app: FastifyInstance, ctx: PgoContext, demo: DemoSwitches): void {
  if (demo.pauseLaunch) registerLaunchPause(app);
  if (demo.trace) registerTraceRoutes(app, { optionOf: (clientId) => ctx.registrations.modules.get(clientId)?.launchOption });
}

/** The dossier's link to the trace of this browser's last launch, when the demo records one. */
export function demoTraceLink(request: FastifyRequest): SafeHtml | false {
  const id = traceOfBrowser(request.headers.cookie);
  return (
    id !== undefined &&
    html`<section class="card" data-testid="demo-trace"><h2>Wat er net gebeurde</h2>
<p><a href="/demo/trace/${id}/view" data-testid="demo-trace-link">De berichten van de laatste start van een module</a>, stap voor stap (demo).</p></section>`
  );
}
