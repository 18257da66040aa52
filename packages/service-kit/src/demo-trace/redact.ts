import { decodeJwt, decodeProtectedHeader } from 'jose';

/*
 * What a trace may show (docs/decisions.md I139): codes, tokens and other one-time values shortened
 * to `abcd…wxyz`; a JWT as its decoded header and claims, never its signature; a cookie by its
 * name only; a Basic credential never; a JWK without its private members.
 */

/** Parameters whose values are secrets or one-time values. */
const SECRETS = new Set([
  'code', 'state', 'launch', 'request_uri', 'access_token', 'refresh_token', 'id_token', 'subject_token', 'actor_token',
  'code_verifier', 'code_challenge', 'client_assertion', 'client_secret', 'token', 'nonce', 'ticket', 'context', 'jti', 'password',
]);
/** RFC 7517 §9.2 / RFC 7518 §6: the private members of a JWK. */
const PRIVATE_JWK = new Set(['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth']);
const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** `abcd…wxyz`: enough to recognise a value within one trace, too little to use it. */
export function shorten(value: string): string {
  return value.length <= 12 ? '…' : `${value.slice(0, 4)}…${value.slice(-4)}`;
}

/** A JWT's header and claims (jose's decoders; nothing is verified), or undefined for anything else. */
export function decodedJwt(value: string): { header: unknown; claims: unknown } | undefined {
  if (!JWT.test(value)) return undefined;
  try {
    return { header: redact(decodeProtectedHeader(value)), claims: redact(decodeJwt(value)) };
  } catch {
    return undefined;
  }
}

/** One value under its parameter or member name. */
export function redactValue(name: string, value: unknown): unknown {
  if (typeof value === 'string') {
    const jwt = decodedJwt(value);
    if (jwt !== undefined) return { jwt };
    return SECRETS.has(name) ? shorten(value) : value.length > 300 ? `${value.slice(0, 300)}…` : value;
  }
  return redact(value);
}

/** Every member of an object or array, recursively. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6) return '…';
  if (Array.isArray(value)) return value.slice(0, 20).map((v) => redact(v, depth + 1));
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value as Record<string, unknown>);
  const isJwk = 'kty' in value;
  return Object.fromEntries(
    entries.filter(([name]) => !(isJwk && PRIVATE_JWK.has(name))).map(([name, v]) => [name, typeof v === 'object' ? redact(v, depth + 1) : redactValue(name, v)]),
  );
}

/** The request headers a trace shows: the credential's scheme, the DPoP proof decoded, cookie names. */
export function requestHeaders(headers: Record<string, string | string[] | undefined>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const [scheme, credential = ''] = authorization.split(' ');
    out.authorization = scheme?.toLowerCase() === 'basic' ? 'Basic (client_secret_basic, not shown)' : `${scheme} ${decodedJwt(credential) ? 'JWT' : ''} ${shorten(credential)}`.replace('  ', ' ');
  }
  if (typeof headers.dpop === 'string') out.dpop = redactValue('dpop', headers.dpop);
  if (typeof headers.cookie === 'string') out.cookie = cookieNames(headers.cookie.split(';'));
  if (typeof headers['content-type'] === 'string') out['content-type'] = headers['content-type'];
  return out;
}

/** The response headers a trace shows: cookie names, DPoP nonce (shortened), WWW-Authenticate. */
export function responseHeaders(headers: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const setCookie = headers['set-cookie'];
  if (setCookie !== undefined) out['set-cookie'] = cookieNames([setCookie].flat().map((c) => String(c).split(';')[0]!));
  if (typeof headers['dpop-nonce'] === 'string') out['dpop-nonce'] = shorten(headers['dpop-nonce']);
  if (typeof headers['www-authenticate'] === 'string') out['www-authenticate'] = headers['www-authenticate'];
  if (headers['content-type'] !== undefined) out['content-type'] = String(headers['content-type']);
  return out;
}

function cookieNames(pairs: readonly string[]): string[] {
  return pairs.map((pair) => pair.split('=')[0]!.trim()).filter((name) => name !== '').map((name) => `${name}=(not shown)`);
}

/** A response body: OAuth JSON redacted; FHIR resources and discovery documents summarised. */
export function responseBody(body: unknown): unknown {
  if (typeof body !== 'object' || body === null) return body;
  const record = body as Record<string, unknown>;
  if (typeof record.resourceType === 'string') {
    const { resourceType, id, status, total, type } = record;
    return Object.fromEntries(Object.entries({ resourceType, id, status, total, type }).filter(([, v]) => v !== undefined));
  }
  if (Array.isArray(record.keys)) return { keys: `${record.keys.length} public key(s)` };
  if (typeof record.issuer === 'string' || typeof record.authorization_endpoint === 'string') {
    const { issuer, authorization_endpoint, token_endpoint, pushed_authorization_request_endpoint } = record;
    return Object.fromEntries(Object.entries({ issuer, authorization_endpoint, token_endpoint, pushed_authorization_request_endpoint, '…': 'more metadata' }).filter(([, v]) => v !== undefined));
  }
  return redact(record);
}
