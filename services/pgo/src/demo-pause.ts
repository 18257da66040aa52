/**
 * The demo switch "pause before the module launch" (`DEMO_PAUSE_LAUNCH`, docs/decisions.md I138):
 * instead of W9's redirect (docs/protocol.md §3.1.1 W9; and every option's redirect to a module's
 * `/launch`) the PGO shows the launch URL with a Copy button and a Continue link, so that a person
 * can open the URL in a private window and watch the DVA refuse it (README "Try the attack").
 */
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { html } from '@koppelmij/service-kit';
import { renderPage } from './views.ts';

const SCRIPT_PATH = '/demo/static/copy-launch.js';
const SCRIPT = readFileSync(new URL('../static/copy-launch.js', import.meta.url), 'utf8');
// the page's own policy: the one script is a file of this origin, nothing inline
const CSP = "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** A redirect to a module launch: an absolute URL that carries both `iss` and `launch` (SMART App Launch EHR launch). */
function moduleLaunch(location: unknown): URL | undefined {
  if (typeof location !== 'string' || !URL.canParse(location)) return undefined;
  const url = new URL(location);
  return url.searchParams.has('iss') && url.searchParams.has('launch') ? url : undefined;
}

/** The browser's own choice on the dossier page (demo-toggle in demo.ts), when the switch is not on for everyone. */
export const PAUSE_COOKIE = 'pgo_demo_pause';

export function registerLaunchPause(app: FastifyInstance, always: boolean): void {
  app.get(SCRIPT_PATH, async (_request, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(SCRIPT));

  app.addHook('onSend', async (request, reply, payload) => {
    const paused = always || request.cookies?.[PAUSE_COOKIE] === 'on';
    const launch = paused && reply.statusCode === 302 ? moduleLaunch(reply.getHeader('location')) : undefined;
    if (launch === undefined) return payload;
    reply.removeHeader('location');
    reply.code(200).type('text/html; charset=utf-8').header('cache-control', 'no-store').header('content-security-policy', CSP);
    return renderPage(
      'Pauze vóór de module',
      html`<p>De PGO stuurt uw browser nu naar de module, met deze startlink (stap W9):</p>
<p><label for="launch-url">Startlink</label><br><input id="launch-url" data-testid="pause-launch-url" readonly size="80" value="${launch.href}"></p>
<p><button type="button" data-copy="launch-url" data-testid="pause-copy">Kopiëren</button>
<a class="button" href="${launch.href}" data-testid="pause-continue">Doorgaan naar de module</a></p>
<div class="card"><p><b>Probeer de aanval.</b> Open de gekopieerde link in een privévenster (een andere browser zonder cookies).
De zorgaanbieder vindt daar geen startcookie en vraagt om DigiD. Wie daar inlogt en niet de persoon van deze taak is, wordt geweigerd,
en de startlink is daarna verbruikt, ook voor deze browser.</p></div>
<script src="${SCRIPT_PATH}"></script>`,
    );
  });
}
