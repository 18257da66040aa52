import type { FastifyInstance } from 'fastify';
import { html, page, type SafeHtml } from '@koppelmij/service-kit';
import { ModuleError } from './errors.ts';

/*
 * Integration levels L and TL (docs/protocol.md §5): modules without data sharing. An information page
 * (L: "information site, Thuisarts"; TL: "an information leaflet about your treatment") that the
 * PGO opens as a plain link; no launch, no token, nothing of the DVA's (docs/integration-levels.md).
 */

interface InfoPage {
  title: string;
  body: SafeHtml;
}

const PAGES: Record<string, InfoPage> = {
  'hoge-bloeddruk': {
    title: 'Hoge bloeddruk',
    body: html`<p>Een hoge bloeddruk merkt u meestal niet. Meet uw bloeddruk als uw huisarts dat vraagt, beweeg elke dag en eet minder zout.</p>`,
  },
  'leven-met-diabetes': {
    title: 'Leven met diabetes',
    body: html`<p>In deze folder leest u wat diabetes is, hoe uw behandeling verloopt en wat u zelf kunt doen.</p>`,
  },
};

const SERVICE = { service: 'Module', accent: '#6a1b9a' };

/** `GET /info/:slug`: a static page, the same for everyone. */
export function infoRoutes(app: FastifyInstance): void {
  app.get<{ Params: { slug: string } }>('/info/:slug', async (request, reply) => {
    const info = Object.hasOwn(PAGES, request.params.slug) ? PAGES[request.params.slug] : undefined;
    if (info === undefined) throw new ModuleError(404, 'Deze pagina bestaat niet.');
    return reply.type('text/html; charset=utf-8').send(
      page(info.title, html`<div class="card"><h2 data-testid="info-title">${info.title}</h2>${info.body}</div>
<p class="muted" data-testid="info-no-data">This page uses no data from your care provider.</p>`, SERVICE),
    );
  });
}
