/**
 * A minimal browser over `app.inject`: a cookie jar for the PGO host, and a log of every
 * response (status, headers, body) so a test can search everything the browser ever saw.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

export interface Seen {
  url: string;
  status: number;
  headers: Record<string, unknown>;
  body: string;
}

export class Browser {
  readonly cookies = new Map<string, string>();
  readonly seen: Seen[] = [];
  readonly #app: FastifyInstance;

  constructor(app: FastifyInstance) {
    this.#app = app;
  }

  /** GET a PGO path or an absolute PGO URL. */
  get(url: string): Promise<LightMyRequestResponse> {
    return this.#request('GET', url);
  }

  /** POST a form to a PGO path. */
  post(url: string, form: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    return this.#request('POST', url, new URLSearchParams(form).toString());
  }

  /** Everything this browser received, as one string. */
  everything(): string {
    return this.seen.map((s) => `${s.url}\n${JSON.stringify(s.headers)}\n${s.body}`).join('\n');
  }

  async #request(method: 'GET' | 'POST', url: string, payload?: string): Promise<LightMyRequestResponse> {
    const target = new URL(url, 'http://pgo.localhost:4000');
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await this.#app.inject({
      method,
      url: target.pathname + target.search,
      headers: {
        ...(cookie && { cookie }),
        ...(payload !== undefined && { 'content-type': 'application/x-www-form-urlencoded' }),
        // Fetch Metadata §2.1: what a browser says of a form on one of the PGO's own pages
        ...(method === 'POST' && { 'sec-fetch-site': 'same-origin' }),
      },
      ...(payload !== undefined && { payload }),
    });
    for (const c of response.cookies as Array<{ name: string; value: string; maxAge?: number; expires?: Date }>) {
      const expired = c.maxAge === 0 || (c.expires !== undefined && c.expires.getTime() < Date.now());
      if (expired || c.value === '') this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    this.seen.push({ url: target.href, status: response.statusCode, headers: response.headers, body: response.body });
    return response;
  }
}

/** The session's CSRF token from a page's form. */
export function csrfFrom(html: string): string {
  const match = /name="csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('no csrf field on the page');
  return match[1]!;
}
