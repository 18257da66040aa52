/**
 * A cache of clients' `jwks_uri` key sets (RFC 7591 §2; docs/security-checklists.md §3 (3)).
 */
import type { JSONWebKeySet } from 'jose';
import { InvalidClient } from '../errors/index.ts';
import { systemClock, type Clock } from '../util/clock.ts';
import { indexByKid, isJwks } from './keyset.ts';

export interface JwksCacheOptions {
  /** The fetch implementation (default: the global `fetch`). */
  fetch?: typeof fetch;
  /** Lower bound in seconds of how long a fetched set is used, whatever `Cache-Control` says (default 60). */
  minTtl?: number;
  /** Upper bound in seconds of how long a fetched set is used (default 86 400). */
  maxTtl?: number;
  /** Seconds that must pass after a fetch of a URI before an unknown `kid` may refetch it (default 30). */
  refetchInterval?: number;
  /** Abort a fetch after this many milliseconds (default 2 500). */
  timeoutMs?: number;
  /** Allow `http:` for 127.0.0.1, localhost, `*.localhost` and [::1] — tests and the local demo only (default false). */
  allowHttpLoopback?: boolean;
  clock?: Clock;
}

interface Entry {
  jwks: JSONWebKeySet;
  expiresAt: number;
  /** When this URI was last fetched or refetched, successfully or not. */
  attemptedAt: number;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

// RFC 6761 §6.3: every name under `localhost.` is loopback too (the demo's `module.localhost`).
const isLoopbackName = (hostname: string) => LOOPBACK.has(hostname) || hostname.endsWith('.localhost');
const MAX_BODY_CHARS = 512 * 1024;

/**
 * Fetches and caches the key set behind each `jwks_uri`:
 * - a set is used for its `Cache-Control: max-age`, clamped to [`minTtl`, `maxTtl`] (`minTtl` without one);
 * - an unknown `kid` refetches the set once, and at most once per `refetchInterval` per URI, so key
 *   rotation works but a flood of made-up `kid`s does not hammer the client's server;
 * - concurrent lookups of one URI share one request;
 * - only `https:` URIs, no redirects, a timeout, a bounded body, and a set with a repeated `kid` is
 *   refused (docs/decisions-protocol.md D4).
 *
 * Every failure is an {@link InvalidClient}, as the client's authentication cannot proceed.
 */
export class JwksCache {
  readonly #fetch: typeof fetch;
  readonly #minTtl: number;
  readonly #maxTtl: number;
  readonly #refetchInterval: number;
  readonly #timeoutMs: number;
  readonly #allowHttpLoopback: boolean;
  readonly #clock: Clock;
  readonly #entries = new Map<string, Entry>();
  readonly #inflight = new Map<string, Promise<Entry>>();

  constructor(options: JwksCacheOptions = {}) {
    this.#fetch = options.fetch ?? fetch;
    this.#minTtl = options.minTtl ?? 60;
    this.#maxTtl = options.maxTtl ?? 86_400;
    this.#refetchInterval = options.refetchInterval ?? 30;
    this.#timeoutMs = options.timeoutMs ?? 2_500;
    this.#allowHttpLoopback = options.allowHttpLoopback ?? false;
    this.#clock = options.clock ?? systemClock;
    if (!(this.#minTtl > 0 && this.#minTtl <= this.#maxTtl)) throw new RangeError('need 0 < minTtl <= maxTtl');
  }

  /**
   * The key set published at `uri`, refetched once when it lacks `kid` and the last fetch is at
   * least `refetchInterval` seconds old. The caller still selects the key; a set returned here
   * may lack `kid`.
   *
   * @throws {@link InvalidClient} when `uri` is not allowed, or the set cannot be fetched or is malformed.
   */
  async getKeys(uri: string, { kid }: { kid: string }): Promise<JSONWebKeySet> {
    this.#assertAllowed(uri);
    const now = this.#clock();
    const entry = this.#entries.get(uri);
    if (entry === undefined || now >= entry.expiresAt) return (await this.#refresh(uri)).jwks;
    if (indexByKid(entry.jwks)?.has(kid) === true) return entry.jwks;
    // docs/security-checklists.md §3 (3): rate-limited refetch for a rotated key.
    if (now < entry.attemptedAt + this.#refetchInterval) return entry.jwks;
    entry.attemptedAt = now;
    return (await this.#refresh(uri)).jwks;
  }

  // RFC 7591 §2 / OIDC Registration §2: `jwks_uri` uses TLS.
  #assertAllowed(uri: string): void {
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      throw new InvalidClient('client jwks_uri is not allowed');
    }
    if (url.protocol === 'https:') return;
    if (url.protocol === 'http:' && this.#allowHttpLoopback && isLoopbackName(url.hostname)) return;
    throw new InvalidClient('client jwks_uri is not allowed');
  }

  #refresh(uri: string): Promise<Entry> {
    let pending = this.#inflight.get(uri);
    if (pending === undefined) {
      pending = this.#load(uri).finally(() => this.#inflight.delete(uri));
      this.#inflight.set(uri, pending);
    }
    return pending;
  }

  async #load(uri: string): Promise<Entry> {
    let response: Response;
    let body: unknown;
    try {
      response = await this.#fetch(uri, {
        headers: { accept: 'application/jwk-set+json, application/json' },
        redirect: 'error',
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      if (response.status !== 200) throw new Error(`status ${response.status}`);
      if (Number(response.headers.get('content-length')) > MAX_BODY_CHARS) throw new Error('body too large');
      const text = await response.text();
      if (text.length > MAX_BODY_CHARS) throw new Error('body too large');
      body = JSON.parse(text);
    } catch (cause) {
      throw new InvalidClient('client jwks_uri could not be fetched', { cause });
    }
    if (!isJwks(body)) throw new InvalidClient('client jwks_uri is malformed');
    if (indexByKid(body) === undefined) throw new InvalidClient('client keys repeat a kid'); // docs/decisions-protocol.md D4
    const now = this.#clock();
    const entry = { jwks: body, attemptedAt: now, expiresAt: now + this.#ttl(response.headers.get('cache-control')) };
    this.#entries.set(uri, entry);
    return entry;
  }

  // RFC 9111 §5.2.2.1 max-age, clamped; without one (e.g. `no-store`) the minimum.
  #ttl(cacheControl: string | null): number {
    const directives = (cacheControl ?? '').toLowerCase().split(',').map((d) => d.trim());
    const maxAge = directives.find((d) => d.startsWith('max-age='))?.slice('max-age='.length).replace(/^"|"$/g, '');
    const seconds = maxAge !== undefined && /^\d+$/.test(maxAge) ? Number(maxAge) : this.#minTtl;
    return Math.min(this.#maxTtl, Math.max(this.#minTtl, seconds));
  }
}
