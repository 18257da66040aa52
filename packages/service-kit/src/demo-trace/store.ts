import { randomToken, sha256b64url } from '@koppelmij/core';

/*
 * The demo's trace store (docs/decisions.md I139): the messages of one launch, in memory, in the
 * one demo process. A launch's front-channel requests are found by the artefacts that earlier
 * messages of the same launch carried (state, code, request_uri, launch, interaction ids, cookies
 * set), kept as SHA-256 hashes only; back-channel requests carry the trace id in a header.
 */

export const PARTIES = ['browser', 'pgo', 'dvaAuth', 'dvaFhir', 'module', 'digid'] as const;
export type Party = (typeof PARTIES)[number];

/** One request and its response, secrets redacted (redact.ts). */
export interface TraceExchange {
  seq: number;
  from: Party;
  to: Party;
  method: string;
  /** The path without its query. */
  path: string;
  query: Record<string, unknown>;
  headers: Record<string, unknown>;
  body?: unknown;
  status: number;
  /** A redirect's target: origin and path, and its redacted query. */
  location?: { href: string; query: Record<string, unknown> };
  responseHeaders: Record<string, unknown>;
  response?: unknown;
  /** Milliseconds on the process's monotonic clock. */
  startedAt: number;
  endedAt: number;
  /** Parameter names and the few non-secret values the step table needs (steps.ts). */
  facts: { params: string[]; grant_type?: string; token_type?: string; locationPath?: string; locationParty?: Party };
}

/** Something a service noted during the exchange, e.g. a DVA audit event. */
export interface TraceNote {
  at: number;
  party: Party;
  text: string;
}

export interface Trace {
  id: string;
  createdAt: string;
  exchanges: TraceExchange[];
  notes: TraceNote[];
}

const MAX_TRACES = 50;
const MAX_EXCHANGES = 400;
const MAX_ARTEFACTS = 20_000;

export class TraceStore {
  readonly #traces = new Map<string, Trace>();
  readonly #artefacts = new Map<string, string>();
  #seq = 0;

  /** A new trace; the oldest goes when there are too many. */
  start(): string {
    const id = randomToken(16);
    this.#traces.set(id, { id, createdAt: new Date().toISOString(), exchanges: [], notes: [] });
    if (this.#traces.size > MAX_TRACES) this.#traces.delete(this.#traces.keys().next().value!);
    return id;
  }

  get(id: string): Trace | undefined {
    return this.#traces.get(id);
  }

  add(id: string, exchange: Omit<TraceExchange, 'seq'>): void {
    const trace = this.#traces.get(id);
    if (trace !== undefined && trace.exchanges.length < MAX_EXCHANGES) trace.exchanges.push({ ...exchange, seq: ++this.#seq });
  }

  note(id: string, note: TraceNote): void {
    const trace = this.#traces.get(id);
    if (trace !== undefined && trace.notes.length < MAX_EXCHANGES) trace.notes.push(note);
  }

  /** Remembers that `values` belong to trace `id` (the last launch that showed a value wins). */
  link(kind: string, values: readonly string[], id: string): void {
    for (const value of values) {
      const key = `${kind}:${sha256b64url(value)}`;
      this.#artefacts.delete(key);
      this.#artefacts.set(key, id);
    }
    while (this.#artefacts.size > MAX_ARTEFACTS) this.#artefacts.delete(this.#artefacts.keys().next().value!);
  }

  /** The trace one of `values` belongs to. */
  find(kind: string, values: readonly string[]): string | undefined {
    for (const value of values) {
      const id = this.#artefacts.get(`${kind}:${sha256b64url(value)}`);
      if (id !== undefined && this.#traces.has(id)) return id;
    }
    return undefined;
  }
}

/** The process's trace store: the five services of the one-process demo share it. */
export const demoTraces = new TraceStore();
