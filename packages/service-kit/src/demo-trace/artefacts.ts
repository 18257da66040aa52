import type { Party } from './store.ts';

/** A request, or a response seen as the request its redirect and cookies lead to. */
export interface Message {
  method: string;
  path: string;
  query: URLSearchParams;
  /** Cookie values: those the request carried, or those the response set. */
  cookies: string[];
  /** A form body as URLSearchParams, a JSON body parsed, else undefined. */
  body: unknown;
}

/** The one-time values that travel from one message of a launch to the next (docs/decisions.md I139). */
const CARRIED = ['state', 'code', 'request_uri', 'launch', 'ticket', 'context'];
// oidc-provider's interaction and resume ids: long random path segments (not words like "smart-configuration")
const RANDOM_SEGMENT = /^[A-Za-z0-9_-]{16,}$/;

/** The values by which a later message is recognised as part of the same launch. */
export function artefactsOf(message: Message): string[] {
  const values = CARRIED.flatMap((name) => message.query.getAll(name));
  const { body } = message;
  if (body instanceof URLSearchParams) values.push(...CARRIED.flatMap((name) => body.getAll(name)));
  else if (typeof body === 'object' && body !== null) {
    const { request_uri, access_token, token_type } = body as Record<string, unknown>;
    if (typeof request_uri === 'string') values.push(request_uri); // W2 → W4
    if (token_type === 'N_A' && typeof access_token === 'string') values.push(access_token); // W8's launch code → W10
  }
  values.push(...message.path.split('/').filter((s) => RANDOM_SEGMENT.test(s) && !/^[a-z-]+$/.test(s)));
  values.push(...message.cookies.map((value) => `cookie=${value}`));
  return values.filter((v) => v.length >= 8);
}

/** The values of a Cookie header. */
export function cookieValues(header: string | undefined): string[] {
  return (header ?? '').split(';').map((pair) => pair.slice(pair.indexOf('=') + 1).trim()).filter((v) => v !== '');
}

export function parseBody(contentType: string | undefined, body: Buffer): unknown {
  if (body.length === 0) return undefined;
  const type = (contentType ?? '').toLowerCase();
  if (type.startsWith('application/x-www-form-urlencoded')) return new URLSearchParams(body.toString('utf8'));
  if (type.includes('json')) {
    try {
      return JSON.parse(body.toString('utf8')) as unknown;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Which of the five services an origin is. */
export function partyOf(origin: string, urls: Record<Exclude<Party, 'browser'>, string>): Party | undefined {
  return (Object.entries(urls) as [Party, string][]).find(([, url]) => new URL(url).origin === origin)?.[0];
}
