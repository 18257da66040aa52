import { Agent, request } from 'undici';
import { localhostLookup } from '@koppelmij/service-kit';

/**
 * A scripted "browser" for in-process flow tests: one cookie jar (host-only cookies, RFC 6265
 * §5.3 simplified: name/value/path/expiry; `Secure` cookies are sent on `http://*.localhost`, as
 * Chromium does for that secure context), redirects followed by hand so every hop is
 * visible, `*.localhost` resolved to loopback (RFC 6761 §6.3) as real browsers do.
 */
export interface Page {
  url: string;
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** Every URL visited, the first request included. */
  hops: string[];
}

interface Cookie {
  name: string;
  value: string;
  host: string;
  path: string;
  expires: number;
}

const dispatcher = new Agent({ connect: { lookup: localhostLookup as never } });

export class Browser {
  readonly #cookies: Cookie[] = [];
  /** Every `Set-Cookie` line received, with the host that sent it (cookie attribute checks). */
  readonly setCookies: Array<{ host: string; line: string }> = [];

  /**
   * GET (or POST a form) and follow redirects up to `maxHops`; `stopAt` ends early on a matching URL.
   * `from` is the page the navigation starts on (a form's page, a script's page); without it the
   * address was typed. Like a browser, every request carries Fetch Metadata `Sec-Fetch-Site`
   * relative to that page and across the redirect chain, and a POST its `Origin` (Fetch §3.1, §3.2).
   */
  async navigate(url: string, options: { method?: 'GET' | 'POST'; form?: Record<string, string>; from?: string; noReferrer?: boolean; stopAt?: (url: URL) => boolean; maxHops?: number } = {}): Promise<Page> {
    let current = new URL(url);
    let method = options.method ?? 'GET';
    let body: string | undefined = options.form ? new URLSearchParams(options.form).toString() : undefined;
    const initiator = options.from === undefined ? undefined : new URL(options.from);
    let site: FetchSite = initiator ? fetchSite(initiator, current) : 'none';
    let crossedOrigins = false;
    const hops: string[] = [];
    for (let i = 0; i <= (options.maxHops ?? 25); i++) {
      hops.push(current.href);
      const headers: Record<string, string> = { accept: 'text/html,application/json', 'sec-fetch-site': site, 'sec-fetch-mode': 'navigate' };
      const cookie = this.cookieHeader(current);
      if (cookie) headers.cookie = cookie;
      if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
      // Fetch §3.1: a POST navigation sends its initiator's origin, `null` once a redirect changed origin
      // or when the page's Referrer-Policy is no-referrer (as every page of the services says)
      if (method === 'POST' && initiator) headers.origin = crossedOrigins || options.noReferrer === true ? 'null' : initiator.origin;
      const res = await request(current, { method, headers, body, dispatcher });
      this.#store(current, res.headers['set-cookie']);
      const text = await res.body.text();
      const location = res.headers.location;
      if (res.statusCode >= 300 && res.statusCode < 400 && typeof location === 'string') {
        const next = new URL(location, current);
        if (options.stopAt?.(next)) return { url: next.href, status: res.statusCode, headers: res.headers, body: text, hops: [...hops, next.href] };
        crossedOrigins ||= next.origin !== current.origin;
        if (initiator) site = worse(site, fetchSite(initiator, next)); // a typed address stays `none`
        current = next;
        if (res.statusCode !== 307 && res.statusCode !== 308) {
          method = 'GET';
          body = undefined;
        }
        continue;
      }
      return { url: current.href, status: res.statusCode, headers: res.headers, body: text, hops };
    }
    throw new Error(`too many redirects from ${url}`);
  }

  /** Submits the form of `page` that contains the element with `testid` (its button's name/value included). */
  async submit(page: Page, testid: string, fields: Record<string, string> = {}, options: { stopAt?: (url: URL) => boolean } = {}): Promise<Page> {
    const form = findForm(page.body, testid);
    if (!form) throw new Error(`no form with data-testid="${testid}" on ${page.url}`);
    const action = new URL(form.action || page.url, page.url).href;
    const noReferrer = page.headers['referrer-policy'] === 'no-referrer';
    return this.navigate(action, { method: form.method, form: { ...form.fields, ...fields }, from: page.url, noReferrer, ...options });
  }

  cookieHeader(url: URL): string {
    const now = Date.now();
    return this.#cookies
      .filter((c) => c.host === url.hostname && url.pathname.startsWith(c.path) && c.expires > now)
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  cookieNames(host: string): string[] {
    return this.#cookies.filter((c) => c.host === host && c.expires > Date.now()).map((c) => c.name);
  }

  /** The live value of cookie `name` at `host`, if the jar holds one. */
  cookieValue(host: string, name: string): string | undefined {
    return this.#cookies.find((c) => c.host === host && c.name === name && c.expires > Date.now())?.value;
  }

  /** Plants a host-only cookie, as an attacker who can write this browser's cookies would (a fixation test). */
  plantCookie(url: string, name: string, value: string): void {
    this.#store(new URL(url), `${name}=${value}; Path=/`);
  }

  #store(url: URL, setCookie: string | string[] | undefined): void {
    for (const line of [setCookie ?? []].flat()) {
      this.setCookies.push({ host: url.hostname, line });
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      let path = url.pathname.replace(/\/[^/]*$/, '') || '/';
      let expires = Number.POSITIVE_INFINITY;
      for (const attr of attrs) {
        const [k, v = ''] = attr.split('=').map((s) => s.trim());
        if (k!.toLowerCase() === 'path') path = v;
        if (k!.toLowerCase() === 'max-age') expires = Date.now() + Number(v) * 1000;
        if (k!.toLowerCase() === 'expires' && expires === Number.POSITIVE_INFINITY) expires = Date.parse(v);
      }
      const i = this.#cookies.findIndex((c) => c.name === name && c.host === url.hostname && c.path === path);
      if (i >= 0) this.#cookies.splice(i, 1);
      if (expires > Date.now()) this.#cookies.push({ name, value, host: url.hostname, path, expires });
    }
  }
}

type FetchSite = 'none' | 'same-origin' | 'same-site' | 'cross-site';
const SITE_ORDER: FetchSite[] = ['none', 'same-origin', 'same-site', 'cross-site'];
const worse = (a: FetchSite, b: FetchSite): FetchSite => (SITE_ORDER.indexOf(a) >= SITE_ORDER.indexOf(b) ? a : b);

/**
 * Fetch Metadata §2.1 `Sec-Fetch-Site` of a request to `target` from a page at `from`. The site is
 * approximated by the last two host labels, so the demo's `*.localhost` services are same-site
 * siblings, as `*.example.nl` services of one deployment would be.
 */
function fetchSite(from: URL, target: URL): FetchSite {
  if (from.origin === target.origin) return 'same-origin';
  const site = (u: URL) => `${u.protocol}//${u.hostname.split('.').slice(-2).join('.')}`;
  return site(from) === site(target) ? 'same-site' : 'cross-site';
}

/** The smallest HTML form reader the demo pages need: action, method, hidden/text inputs, the clicked button. */
export function findForm(html: string, testid: string): { action: string; method: 'GET' | 'POST'; fields: Record<string, string> } | undefined {
  for (const match of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const [, attrs = '', inner = ''] = match;
    if (!inner.includes(`data-testid="${testid}"`) && !attrs.includes(`data-testid="${testid}"`)) continue;
    const attr = (src: string, name: string) => new RegExp(`\\b${name}="([^"]*)"`, 'i').exec(src)?.[1];
    const fields: Record<string, string> = {};
    for (const input of inner.matchAll(/<input\b([^>]*)>/gi)) {
      const a = input[1] ?? '';
      const name = attr(a, 'name');
      const type = attr(a, 'type') ?? 'text';
      if (!name || ((type === 'radio' || type === 'checkbox') && !/\bchecked\b/i.test(a))) continue;
      fields[name] = decode(attr(a, 'value') ?? '');
    }
    const button = new RegExp(`<button\\b([^>]*data-testid="${testid}"[^>]*)>`, 'i').exec(inner)?.[1];
    const buttonName = button && attr(button, 'name');
    if (button && buttonName) fields[buttonName] = decode(attr(button, 'value') ?? '');
    const radio = new RegExp(`<input\\b([^>]*data-testid="${testid}"[^>]*)>`, 'i').exec(inner)?.[1];
    const radioName = radio && attr(radio, 'name');
    if (radio && radioName) fields[radioName] = decode(attr(radio, 'value') ?? '');
    return { action: decode(attr(attrs, 'action') ?? ''), method: (attr(attrs, 'method') ?? 'GET').toUpperCase() === 'POST' ? 'POST' : 'GET', fields };
  }
  return undefined;
}

function decode(s: string): string {
  return s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

export const hasTestId = (page: Page, testid: string) => page.body.includes(`data-testid="${testid}"`);

/** The text content of the element carrying `testid` (first match, tags stripped). */
export function textOf(page: Page, testid: string): string | undefined {
  const m = new RegExp(`data-testid="${testid}"[^>]*>([\\s\\S]*?)</`, 'i').exec(page.body);
  return m?.[1]?.replace(/<[^>]+>/g, '').trim();
}
