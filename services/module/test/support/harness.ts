import { readFileSync } from 'node:fs';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildModule, loadModuleConfig, type ModuleConfig } from '../../src/index.ts';
import { startFakeDva, type FakeDva } from './fake-dva.ts';

/** The client secrets of the demo registrations, for the fake's client_secret_basic check. */
function demoSecrets(config: ModuleConfig): Record<string, string> {
  const { modules } = JSON.parse(readFileSync(config.registrationsPath, 'utf8')) as { modules: Array<{ client_id: string; client_secret?: string }> };
  return Object.fromEntries(modules.filter((m) => m.client_secret).map((m) => [m.client_id, m.client_secret!]));
}

/** A browser against the module app: keeps cookies, records every response it was served. */
export class Browser {
  readonly cookies = new Map<string, string>();
  readonly responses: LightMyRequestResponse[] = [];
  readonly #app: FastifyInstance;

  constructor(app: FastifyInstance) {
    this.#app = app;
  }

  get(url: string): Promise<LightMyRequestResponse> {
    return this.#send({ method: 'GET', url });
  }

  post(url: string, form: Record<string, string>): Promise<LightMyRequestResponse> {
    return this.#send({
      method: 'POST',
      url,
      payload: new URLSearchParams(form).toString(),
      // Fetch Metadata §2.1: what a browser says of a form on one of the module's own pages
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
    });
  }

  /** The CSRF token of the last page with a form. */
  csrf(): string {
    const html = [...this.responses].reverse().find((r) => r.body.includes('name="csrf"'))?.body ?? '';
    return /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
  }

  async #send(request: { method: 'GET' | 'POST'; url: string; payload?: string; headers?: Record<string, string> }): Promise<LightMyRequestResponse> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const response = await this.#app.inject({ ...request, headers: { ...request.headers, ...(cookie && { cookie }) } });
    for (const c of response.cookies as Array<{ name: string; value: string }>) this.cookies.set(c.name, c.value);
    this.responses.push(response);
    return response;
  }
}

export interface Harness {
  fake: FakeDva;
  module: FastifyInstance;
  config: ModuleConfig;
  browser: Browser;
  /** Every URL the module fetched. */
  outgoing: string[];
  /** W10–W15: launch, let the fake AS issue a code, and come back to the callback. */
  launchAndAuthorize(clientId?: string, browser?: Browser): Promise<{ launch: LightMyRequestResponse; callback: LightMyRequestResponse }>;
  close(): Promise<void>;
}

export async function setup(options: { nonces?: boolean; env?: Record<string, string> } = {}): Promise<Harness> {
  const ref: { module?: FastifyInstance } = {};
  const secrets: Record<string, string> = {};
  const fake = await startFakeDva({
    moduleJwks: async () => (await ref.module!.inject('/jwks')).json(),
    secrets,
    ...(options.nonces !== undefined && { nonces: options.nonces }),
  });
  const config = loadModuleConfig({ DVA_FHIR_URL: fake.fhirBase, DVA_AUTH_URL: fake.base, LOG_LEVEL: 'silent', ...options.env });
  Object.assign(secrets, demoSecrets(config));
  const outgoing: string[] = [];
  const fetch: typeof globalThis.fetch = (input, init) => {
    outgoing.push(String(input));
    return globalThis.fetch(input, init);
  };
  const app = await buildModule(config, { fetch });
  ref.module = app;
  const browser = new Browser(app);
  return {
    fake,
    module: app,
    config,
    browser,
    outgoing,
    async launchAndAuthorize(clientId = 'module-3a', b = browser) {
      const launch = await b.get(`/m/${clientId}/launch?iss=${encodeURIComponent(fake.fhirBase)}&launch=launch-code-1`);
      const location = String(launch.headers.location);
      const code = fake.authorize(location);
      const state = new URL(location).searchParams.get('state')!;
      const callback = await b.get(`/m/${clientId}/callback?code=${encodeURIComponent(code)}&state=${encodeURIComponent(state)}&iss=${encodeURIComponent(fake.base)}`);
      return { launch, callback };
    },
    async close() {
      await app.close();
      await fake.close();
    },
  };
}
