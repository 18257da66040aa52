import { AsyncLocalStorage } from 'node:async_hooks';
import { subscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { artefactsOf, cookieValues, parseBody, partyOf, type Message } from './artefacts.ts';
import { redactValue, requestHeaders, responseBody, responseHeaders } from './redact.ts';
import { demoTraces, PARTIES, type Party, type TraceStore } from './store.ts';

/*
 * The demo-only trace recorder (docs/decisions.md I139): wraps a service's HTTP server so that each
 * inbound request and its response are recorded into the trace of the launch they belong to, and
 * stamps each outbound call (undici, so every `fetch`) made while handling it with the trace id.
 * Installed by scripts/stack.ts under `DEMO_TRACE=true` only.
 */

/** The header that carries the trace id on back-channel calls, and the one naming the caller. */
export const TRACE_HEADER = 'x-koppelmij-trace';
const FROM_HEADER = 'x-koppelmij-trace-from';
const MAX_BODY = 64 * 1024;

interface Handling {
  service: Party;
  store: TraceStore;
  traceId: string | undefined;
  request: Message;
}

const handling = new AsyncLocalStorage<Handling>();
let outboundStamped = false;

export interface RecorderOptions {
  service: Party;
  /** The public base URLs of the five services, to name the party a redirect goes to. */
  urls: Record<Exclude<Party, 'browser'>, string>;
  /** Requests that begin a new trace (the PGO's "start module"). */
  startsTrace?: (method: string, path: string) => boolean;
  store?: TraceStore;
}

/** Every `fetch` made while a traced request is handled carries the trace id and the caller's name. */
function stampOutbound(): void {
  if (outboundStamped) return;
  outboundStamped = true;
  subscribe('undici:request:create', (message) => {
    const current = handling.getStore();
    if (current === undefined) return;
    current.traceId ??= current.store.find('artefact', artefactsOf(current.request));
    if (current.traceId === undefined) return;
    const { request } = message as { request: { addHeader(name: string, value: string): unknown } };
    request.addHeader(TRACE_HEADER, current.traceId);
    request.addHeader(FROM_HEADER, current.service);
  });
}

/** The trace the request handled now belongs to (the module links its page to it). */
export function currentTraceId(): string | undefined {
  return handling.getStore()?.traceId;
}

/** The trace of the current request, else the last one this browser started (by the cookies it carries). */
export function traceOfBrowser(cookieHeader: string | undefined): string | undefined {
  const current = handling.getStore();
  return current?.traceId ?? current?.store.find('browser', cookieValues(cookieHeader));
}

/** Notes an event of the service that handles the current request, e.g. an audit event. */
export function traceNote(text: string): void {
  const current = handling.getStore();
  if (current?.traceId !== undefined) current.store.note(current.traceId, { at: performance.now(), party: current.service, text });
}

export function installDemoTrace(server: Server, options: RecorderOptions): void {
  stampOutbound();
  const store = options.store ?? demoTraces;
  const listeners = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const run = () => listeners.forEach((listener) => listener.call(server, req, res));
    if (path.startsWith('/demo/') || path === '/favicon.ico') return run();
    const current = begin(req, res, path, store, options);
    handling.run(current, run);
  });
}

function begin(req: IncomingMessage, res: ServerResponse, path: string, store: TraceStore, options: RecorderOptions): Handling {
  const startedAt = performance.now();
  const url = new URL(req.url ?? '/', 'http://trace.invalid');
  const from = req.headers[FROM_HEADER];
  const request: Message = { method: req.method ?? 'GET', path, query: url.searchParams, cookies: cookieValues(req.headers.cookie), body: undefined };
  const header = req.headers[TRACE_HEADER];
  // a new launch starts a new trace, whatever cookie of an older one the browser still carries
  const traceId =
    typeof header === 'string' && store.get(header) !== undefined
      ? header
      : options.startsTrace?.(request.method, path) === true
        ? store.start()
        : store.find('artefact', artefactsOf(request));
  const current: Handling = { service: options.service, store, traceId, request };
  if (traceId !== undefined && header === undefined && options.startsTrace?.(request.method, path) === true) store.link('browser', request.cookies, traceId);

  const chunks: Buffer[] = [];
  let size = 0;
  const push = req.push.bind(req);
  req.push = (chunk: unknown, encoding?: BufferEncoding) => {
    if (chunk !== null && size < MAX_BODY) {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk), encoding);
      chunks.push(buffer);
      size += buffer.length;
    }
    if (chunk !== null) request.body = parseBody(req.headers['content-type'], Buffer.concat(chunks));
    return push(chunk, encoding);
  };

  const sent: Buffer[] = [];
  let sentSize = 0;
  const capture = (chunk: unknown) => {
    if (chunk === undefined || chunk === null || typeof chunk === 'function' || sentSize >= MAX_BODY) return;
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    sent.push(buffer);
    sentSize += buffer.length;
  };
  let written: Record<string, unknown> = {};
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
  res.writeHead = ((...args: unknown[]) => {
    const headers = args.find((a, i) => i > 0 && typeof a === 'object' && a !== null && !Array.isArray(a));
    if (headers !== undefined) written = Object.fromEntries(Object.entries(headers as Record<string, unknown>).map(([k, v]) => [k.toLowerCase(), v]));
    return writeHead(...args);
  }) as ServerResponse['writeHead'];
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  res.write = ((chunk: unknown, ...rest: unknown[]) => (capture(chunk), write(chunk, ...rest))) as ServerResponse['write'];
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  res.end = ((chunk?: unknown, ...rest: unknown[]) => (capture(chunk), end(chunk, ...rest))) as ServerResponse['end'];

  res.on('finish', () => {
    current.traceId ??= store.find('artefact', artefactsOf(request));
    if (current.traceId === undefined) return;
    const headers = { ...res.getHeaders(), ...written } as Record<string, unknown>;
    const response = responseMessage(res.statusCode, headers, Buffer.concat(sent), options);
    const location = response.location;
    const body = request.body;
    store.add(current.traceId, {
      from: typeof from === 'string' && (PARTIES as readonly string[]).includes(from) ? (from as Party) : 'browser',
      to: options.service,
      method: request.method,
      path,
      query: Object.fromEntries([...url.searchParams].map(([k, v]) => [k, redactValue(k, v)])),
      headers: requestHeaders(req.headers),
      ...(body instanceof URLSearchParams ? { body: Object.fromEntries([...body].map(([k, v]) => [k, redactValue(k, v)])) } : body !== undefined && { body: responseBody(body) }),
      status: res.statusCode,
      ...(location !== undefined && { location: { href: `${location.origin}${location.pathname}`, query: Object.fromEntries([...location.searchParams].map(([k, v]) => [k, redactValue(k, v)])) } }),
      responseHeaders: responseHeaders(headers),
      ...(response.body !== undefined && !(response.body instanceof URLSearchParams) && { response: responseBody(response.body) }),
      startedAt,
      endedAt: performance.now(),
      facts: {
        params: [...new Set([...url.searchParams.keys(), ...(body instanceof URLSearchParams ? body.keys() : [])])],
        ...(body instanceof URLSearchParams && body.has('grant_type') && { grant_type: body.get('grant_type')! }),
        ...(typeof (response.body as { token_type?: unknown } | undefined)?.token_type === 'string' && { token_type: (response.body as { token_type: string }).token_type }),
        ...(location !== undefined && { locationPath: location.pathname, locationParty: partyOf(location.origin, options.urls) ?? options.service }),
      },
    });
    store.link('artefact', [...artefactsOf(request), ...artefactsOf(response)], current.traceId);
  });
  return current;
}

function responseMessage(status: number, headers: Record<string, unknown>, body: Buffer, options: RecorderOptions): Message & { location?: URL } {
  const raw = headers.location;
  const base = options.urls[options.service as Exclude<Party, 'browser'>];
  const location = typeof raw === 'string' && URL.canParse(raw, base) ? new URL(raw, base) : undefined;
  const setCookie = [headers['set-cookie'] ?? []].flat().map((c) => String(c).split(';')[0]!);
  return {
    method: String(status),
    path: location?.pathname ?? '',
    query: location?.searchParams ?? new URLSearchParams(),
    cookies: setCookie.map((pair) => pair.slice(pair.indexOf('=') + 1)).filter((v) => v !== ''),
    body: parseBody(String(headers['content-type'] ?? ''), body),
    ...(location !== undefined && { location }),
  };
}
