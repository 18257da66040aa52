import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { loadConfig, reservePort } from '@koppelmij/service-kit';
import { buildDigidMock, digidMockConfigSchema } from '../src/index.ts';

export const CLIENT_ID = 'dva-auth';
export const CLIENT_SECRET = 'test-digid-secret-0123456789';
export const REDIRECT_URI = 'http://dva.localhost:4100/digid/callback';

/** The mock DigiD listening on 127.0.0.1 with issuer `http://127.0.0.1:<port>`. */
export async function startDigid(): Promise<{ app: FastifyInstance; issuer: string }> {
  // the issuer URL has to be known before the app is built
  const { port, release } = await reservePort();
  const issuer = `http://127.0.0.1:${port}`;
  const config = loadConfig(digidMockConfigSchema, {
    DIGID_URL: issuer,
    DVA_AUTH_URL: 'http://dva.localhost:4100',
    DIGID_CLIENT_SECRET: CLIENT_SECRET,
    LOG_LEVEL: 'silent',
  });
  const app = await buildDigidMock(config);
  await release();
  await app.listen({ port, host: '127.0.0.1' });
  return { app, issuer };
}

/** RFC 6265 §5.1.4 path-match. */
function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  return requestPath.startsWith(cookiePath) && (cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/');
}

/**
 * A one-origin browser: fetch without following redirects, keeping cookies by name and path
 * (RFC 6265 §5.3, enough for host-only cookies) and sending those whose path matches.
 */
export class Browser {
  readonly #cookies = new Map<string, { name: string; value: string; path: string }>();
  /** The anti-CSRF field of the last page shown with one. */
  #csrf: string | undefined;

  /** The Cookie header this browser sends to `url`. */
  cookieHeader(url: string): string {
    const path = new URL(url).pathname;
    return [...this.#cookies.values()]
      .filter((c) => pathMatches(path, c.path))
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const path = new URL(url).pathname;
    const cookie = this.cookieHeader(url);
    const headers = new Headers(init.headers);
    if (cookie) headers.set('cookie', cookie);
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) this.#store(line, path);
    if (response.headers.get('content-type')?.startsWith('text/html')) {
      this.#csrf = /name="csrf" value="([^"]+)"/.exec(await response.clone().text())?.[1] ?? this.#csrf;
    }
    return response;
  }

  /**
   * Submits a form of the last page shown the way a browser does: application/x-www-form-urlencoded
   * with that page's hidden anti-CSRF field, `Origin` and `Sec-Fetch-Site` of a same-origin page
   * (Fetch §3.1, Fetch Metadata §2.1); 303 not followed.
   */
  post(url: string, form: Record<string, string>): Promise<Response> {
    const fields = { ...(this.#csrf !== undefined && { csrf: this.#csrf }), ...form };
    const headers = { origin: new URL(url).origin, 'sec-fetch-site': 'same-origin' };
    return this.fetch(url, { method: 'POST', headers, body: new URLSearchParams(fields) });
  }

  cookieNames(): string[] {
    return [...this.#cookies.values()].map((c) => c.name);
  }

  #store(line: string, requestPath: string): void {
    const [pair = '', ...attributes] = line.split(';').map((s) => s.trim());
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    const pathAttr = attributes.find((a) => /^path=/i.test(a));
    const path = pathAttr ? pathAttr.slice(5) : requestPath.replace(/\/[^/]*$/, '') || '/';
    const key = `${name};${path}`;
    const expired = attributes.some((a) => /^expires=.*1970/i.test(a) || /^max-age=0$/i.test(a));
    if (expired || value === '') this.#cookies.delete(key);
    else this.#cookies.set(key, { name, value, path });
  }
}

/** RFC 7636 §4.1–4.2: a verifier and its S256 challenge. */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function location(response: Response): string {
  const value = response.headers.get('location');
  if (!value) throw new Error(`expected a redirect, got ${response.status}`);
  return value;
}

/** Follows redirects inside the issuer's origin; stops at the first one that leaves it (the client's). */
export async function followToClient(browser: Browser, issuer: string, url: string): Promise<URL> {
  let next = new URL(url, issuer);
  while (next.origin === new URL(issuer).origin) {
    const response = await browser.fetch(next.href);
    next = new URL(location(response), next);
  }
  return next;
}

export function basic(id: string, secret: string): string {
  // RFC 6749 §2.3.1: form-urlencode both parts before base64
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}
