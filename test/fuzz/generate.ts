import type { Route } from './routes.ts';

/** mulberry32: a small seeded PRNG, so every run sends the same requests. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string;
}

const pick = <T>(random: () => number, values: readonly T[]): T => values[Math.floor(random() * values.length)]!;

/** Odd values for a path segment, a query value or a form field; raw, already in URL form where needed. */
const ODD = [
  '', 'a', '0', '-1', '1e309', 'null', 'undefined', 'true', '[]', '{}', 'x'.repeat(64), 'y'.repeat(65), 'z'.repeat(5000),
  '%00', '%zz', '%', '%E0%A4%A', '%F0%9F%92%A9', '%C3%A9t%C3%A9', '..%2F..%2Fetc%2Fpasswd', '%2e%2e', '%0d%0aSet-Cookie:%20x=1',
  '%3Cscript%3Ealert(1)%3C%2Fscript%3E', "'%20OR%201=1--", 'Task%2Ftask-3a', 'Patient%2F..%2FTask', 'http%3A%2F%2Fevil.example',
  'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.', 'a.b.c', '%7B%22a%22%3A1%7D', '__proto__', 'constructor', '999990020', 'abc%20def',
];
const NAMES = [
  'uid', 'state', 'code', 'error', 'error_description', 'ticket', 'launch', 'iss', 'scope', 'client_id', 'redirect_uri',
  'response_type', 'request_uri', 'code_challenge', 'code_challenge_method', 'aud', 'grant_type', 'subject_token',
  'subject_token_type', 'actor_token', 'actor_token_type', 'audience', 'resource', 'token', 'decision', 'context', 'bsn',
  'return_url', 'patient', 'systolic', 'diastolic', 'taskId', '_id', '_count', 'subject', 'status', '__proto__', 'x',
];
const CONTENT_TYPES = [
  'application/x-www-form-urlencoded', 'application/json', 'application/fhir+json', 'text/plain', 'multipart/form-data; boundary=x',
  'application/json; charset=utf-16', 'application/octet-stream', '', 'x/y; a=', 'application/x-www-form-urlencoded; charset=latin1',
];
const COOKIES = ['_interaction', '_interaction_resume', '_session', '__Host-dva_launch_auth', 'dva_correlation', 'dva_sso', 'dva_launch_module', 'pgo_session', 'session', 'x'];
const AUTHORIZATION = ['Bearer ', 'Bearer x', 'DPoP a.b.c', 'Basic Og==', 'Basic %%%', 'Basic bW9kdWxlLTNhOg==', 'Negotiate x', 'Bearer eyJhbGciOiJub25lIn0.e30.'];
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

const value = (random: () => number) => (random() < 0.05 ? `${pick(random, ODD)}${pick(random, ODD)}` : pick(random, ODD));

function fields(random: () => number): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const n = Math.floor(random() * 6);
  for (let i = 0; i < n; i++) {
    const name = random() < 0.9 ? pick(random, NAMES) : value(random);
    out.push([name, value(random)]);
    if (random() < 0.15) out.push([name, value(random)]); // a repeated parameter
  }
  return out;
}

const query = (pairs: Array<[string, string]>) => pairs.map(([k, v]) => `${k}=${v}`).join('&');

function body(random: () => number, contentType: string): string {
  const pairs = fields(random);
  const roll = random();
  if (roll < 0.1) return '';
  if (roll < 0.2) return pick(random, ['{', '[1,', '"x', 'null', '[]', '{"a":{"a":{"a":{"a":[]}}}}', '\u0000\u0001', 'x'.repeat(200_000)]);
  if (contentType.includes('json')) return JSON.stringify(Object.fromEntries(pairs.map(([k, v]) => [k, random() < 0.2 ? [v, 1, null] : random() < 0.1 ? { v } : v])));
  return query(pairs);
}

/** Live values (an interaction's uid and its cookies) mixed in, so requests also reach past the first lookup. */
export interface Seeds {
  values: string[];
  cookies: string[];
}

/** A malformed request for `route`: odd path parameters, query, body, content type, cookies and authorization. */
export function malformed(random: () => number, route: Route, seeds: Seeds = { values: [], cookies: [] }): FuzzRequest {
  const segment = () => (seeds.values.length && random() < 0.3 ? pick(random, seeds.values) : value(random) || 'x');
  const path = route.url.replace(/:[A-Za-z_]+/g, segment);
  const pairs = fields(random);
  const url = pairs.length ? `${path}?${query(pairs)}` : path;
  const method = random() < 0.85 ? route.method : pick(random, METHODS);
  const headers: Record<string, string> = {};
  if (seeds.cookies.length && random() < 0.3) headers.cookie = pick(random, seeds.cookies);
  else if (random() < 0.5) headers.cookie = Array.from({ length: 1 + Math.floor(random() * 3) }, () => `${pick(random, COOKIES)}=${value(random)}`).join('; ');
  if (random() < 0.3) headers.authorization = pick(random, AUTHORIZATION);
  if (random() < 0.15) headers.dpop = value(random);
  if (random() < 0.3) headers.accept = pick(random, ['application/json', 'text/html', 'application/fhir+json', '*/*', 'x']);
  if (method === 'GET' || method === 'HEAD' || (method === 'DELETE' && random() < 0.5)) return { method, url, headers };
  const contentType = pick(random, CONTENT_TYPES);
  if (contentType) headers['content-type'] = contentType;
  return { method, url, headers, payload: body(random, contentType) };
}
