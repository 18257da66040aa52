/**
 * A SMART app written with fhirclient's Node adapter, unmodified, the way its documentation shows:
 * `/m/<client_id>/launch` calls `smart(req, res).authorize(…)`, `/m/<client_id>/callback` calls
 * `smart(req, res).ready()` and reads the launch's Task and patient. It answers JSON, so the test
 * sees what the library got. Served at `http://app.localhost:<port>`, another origin than every service.
 */
import { createRequire } from 'node:module';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { reservePort } from '@koppelmij/service-kit';

/**
 * The part of fhirclient's Node API the app calls (its index.d.ts). Loaded by `require`, because
 * its type declarations carry `/// <reference lib="dom" />`, which would give every file of the
 * project DOM globals (`performance` among them).
 */
interface FhirClient {
  state: { tokenResponse?: Record<string, unknown> & { token_type?: string; fhirContext?: unknown } };
  patient: { id: string | null; read(): Promise<{ id?: string }> };
  request<T = Record<string, unknown>>(url: string): Promise<T>;
}
type Smart = (req: IncomingMessage, res: ServerResponse, storage: object) => {
  authorize(options: Record<string, unknown>): Promise<unknown>;
  ready(): Promise<FhirClient>;
};
const smart = createRequire(import.meta.url)('fhirclient') as Smart;

export interface AppRegistration {
  clientId: string;
  scope: string;
  /** The private JWK with `alg` and `kid` (asymmetric confidential client); absent for a public client. */
  clientPrivateJwk?: Record<string, unknown>;
}

export interface FhirclientApp {
  url: string;
  close(): Promise<void>;
}

/** What the callback answers: the token response as fhirclient kept it, and what it read with it. */
export interface AppResult {
  token_type?: string;
  patient?: string;
  fhirContext?: unknown;
  task?: { id?: string; for?: { reference?: string } };
  patientResource?: { id?: string };
  error?: string;
}

/** fhirclient's storage (its `Storage` interface): one map, the test drives one launch at a time. */
function memoryStorage() {
  const map = new Map<string, unknown>();
  return {
    set: async (key: string, value: unknown) => (map.set(key, value), value),
    get: async (key: string) => map.get(key),
    unset: async (key: string) => map.delete(key),
  };
}

export async function startFhirclientApp(registrations: readonly AppRegistration[]): Promise<FhirclientApp> {
  const reservation = await reservePort();
  const url = `http://app.localhost:${reservation.port}`;
  const storage = memoryStorage();
  const byId = new Map(registrations.map((r) => [r.clientId, r]));

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', url).pathname;
    const [, m, clientId, step] = path.split('/');
    const registration = m === 'm' ? byId.get(clientId ?? '') : undefined;
    if (!registration) return void res.writeHead(404).end();
    if (step === 'launch') {
      await smart(req, res, storage).authorize({
        clientId: registration.clientId,
        scope: registration.scope,
        redirectUri: `${url}/m/${registration.clientId}/callback`,
        pkceMode: 'required',
        ...(registration.clientPrivateJwk && { clientPrivateJwk: registration.clientPrivateJwk }),
      });
      return;
    }
    const client = await smart(req, res, storage).ready();
    const token = client.state.tokenResponse ?? {};
    const taskReference = (token.fhirContext as Array<{ reference?: string }> | undefined)?.find((c) => c.reference?.startsWith('Task/'))?.reference;
    const result: AppResult = {
      token_type: token.token_type,
      patient: client.patient.id ?? undefined,
      fhirContext: token.fhirContext,
      ...(taskReference && { task: await client.request<NonNullable<AppResult['task']>>(taskReference) }),
      patientResource: await client.patient.read(),
    };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: String(error) }));
    });
  });
  await reservation.release();
  await new Promise<void>((resolve) => server.listen(reservation.port, '127.0.0.1', resolve));
  return { url, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
