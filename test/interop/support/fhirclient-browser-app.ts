/**
 * The same SMART app as fhirclient-app.ts, written for the browser with fhirclient's own browser
 * build (`build/fhir-client.js`, global `FHIR`), unmodified: the launch page calls
 * `FHIR.oauth2.authorize`, the callback page `FHIR.oauth2.ready()` and shows the Task it read.
 * Only static files are served; every OAuth and FHIR request comes from the browser (CORS).
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { reservePort } from '@koppelmij/service-kit';

export interface BrowserApp {
  url: string;
  close(): Promise<void>;
}

const script = readFileSync(createRequire(import.meta.url).resolve('fhirclient/build/fhir-client.js'), 'utf8');

const page = (body: string) => `<!doctype html><meta charset="utf-8"><script src="/fhir-client.js"></script><script>${body}</script>`;

/** A public client (SMART `client-public`): a browser cannot keep a key (docs/decisions.md I104). */
export async function startFhirclientBrowserApp(clientIds: readonly string[], scope: string): Promise<BrowserApp> {
  const reservation = await reservePort();
  const url = `http://app.localhost:${reservation.port}`;
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', url).pathname;
    if (path === '/fhir-client.js') return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    const [, m, clientId, step] = path.split('/');
    if (m !== 'm' || !clientIds.includes(clientId ?? '')) return void res.writeHead(404).end();
    const html = step === 'launch'
      ? page(`FHIR.oauth2.authorize(${JSON.stringify({ clientId, scope, redirectUri: `${url}/m/${clientId}/callback`, pkceMode: 'required' })})
          .catch((error) => { document.body.innerHTML = '<p data-testid="fhirclient-error"></p>'; document.querySelector('p').textContent = String(error); });`)
      : page(`FHIR.oauth2.ready()
          .then((client) => client.request((client.state.tokenResponse.fhirContext || []).find((c) => c.reference.startsWith('Task/')).reference))
          .then((task) => { document.body.innerHTML = '<p data-testid="fhirclient-task"></p>'; document.querySelector('p').textContent = task.id; })
          .catch((error) => { document.body.innerHTML = '<p data-testid="fhirclient-error"></p>'; document.querySelector('p').textContent = String(error); });`);
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
  });
  await reservation.release();
  await new Promise<void>((resolve) => server.listen(reservation.port, '127.0.0.1', resolve));
  return { url, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
