/**
 * The client side of DPoP (RFC 9449): a key pair that proves every request, the servers' latest
 * nonces, and one retry when a server demands a nonce (RFC 9449 §8 at an authorization server,
 * §9 at a resource server). One implementation for the module and the tests.
 */
import type { DpopKey } from './key.ts';
import { createDpopProof } from './proof.ts';

/** A `fetch`; injectable for tests and for RFC 6761 `*.localhost` resolution. */
export type DpopFetch = typeof globalThis.fetch;

/** A request to send with a proof; `method` is the proof's `htm`. */
export type DpopRequestInit = RequestInit & { method: string };

// RFC 9449 §8.1: nonce = 1*NQCHAR, NQCHAR = %x21 / %x23-5B / %x5D-7E
const NONCE = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/**
 * The latest `DPoP-Nonce` each server sent, by origin (RFC 9449 §8.2, §9: the client uses it in
 * its next proofs to that server). Nonces belong to servers, not to keys, so one memory may serve
 * every key of a client.
 */
export class DpopNonceMemory {
  readonly #nonces = new Map<string, string>();

  get(url: string): string | undefined {
    return this.#nonces.get(new URL(url).origin);
  }

  /** Keeps the response's `DPoP-Nonce` when it has RFC 9449 §8.1 syntax; anything else is not worth echoing back. */
  remember(url: string, response: Response): void {
    const nonce = response.headers.get('dpop-nonce');
    if (nonce !== null && NONCE.test(nonce)) this.#nonces.set(new URL(url).origin, nonce);
  }
}

export interface DpopClientOptions {
  key: DpopKey;
  /** Default `globalThis.fetch`. */
  fetch?: DpopFetch;
  /** Default a memory of this client's own. */
  nonces?: DpopNonceMemory;
}

export interface DpopFetchOptions {
  /** The access token the request carries: the proof then has `ath` (RFC 9449 §4.2, §7.1). */
  accessToken?: string;
  /** Retry once on a nonce challenge (default true); off when the request cannot be sent twice. */
  retryOnNonce?: boolean;
}

/** A DPoP client: one key pair, the servers' nonces, and requests proven with them. */
export class DpopClient {
  readonly key: DpopKey;
  readonly nonces: DpopNonceMemory;
  readonly #fetch: DpopFetch;

  constructor(options: DpopClientOptions) {
    this.key = options.key;
    this.nonces = options.nonces ?? new DpopNonceMemory();
    this.#fetch = options.fetch ?? globalThis.fetch;
  }

  /** A fresh proof (new `jti`, RFC 9449 §4.2) for `htm` `url`, with the server's latest nonce and, given a token, `ath`. */
  proof(htm: string, url: string, accessToken?: string): Promise<string> {
    const nonce = this.nonces.get(url);
    return createDpopProof({ key: this.key, htm, htu: url, ...(accessToken !== undefined && { accessToken }), ...(nonce !== undefined && { nonce }) });
  }

  /**
   * Sends a request to `url` with a fresh proof in `DPoP`. When the server demands a nonce and
   * supplies one in `DPoP-Nonce`, the request is sent once more with it. Redirects are not
   * followed unless `init` says so: a proof names one URL.
   *
   * Pass `init` as a function when the request carries single-use parts of its own: a client
   * assertion's `jti` may not be replayed (RFC 7523 §3 (7)), so the retry needs a new one.
   */
  async fetch(url: string, init: DpopRequestInit | (() => Promise<DpopRequestInit>), options: DpopFetchOptions = {}): Promise<Response> {
    const send = async (): Promise<Response> => {
      const attempt = typeof init === 'function' ? await init() : init;
      const headers = new Headers(attempt.headers);
      headers.set('dpop', await this.proof(attempt.method, url, options.accessToken));
      const response = await this.#fetch(url, { ...attempt, headers, redirect: attempt.redirect ?? 'error' });
      this.nonces.remember(url, response);
      return response;
    };
    const first = await send();
    if (options.retryOnNonce === false || !first.headers.has('dpop-nonce') || !(await demandsNonce(first))) return first;
    await first.body?.cancel();
    return send();
  }
}

async function demandsNonce(response: Response): Promise<boolean> {
  if (response.status === 401) {
    // RFC 9449 §9: the resource server's challenge
    return /^DPoP\b.*\berror="use_dpop_nonce"/i.test(response.headers.get('www-authenticate') ?? '');
  }
  if (response.status === 400) {
    // RFC 9449 §8: the authorization server's RFC 6749 §5.2 error body
    const body: unknown = await response.clone().json().catch(() => undefined);
    return typeof body === 'object' && body !== null && (body as { error?: unknown }).error === 'use_dpop_nonce';
  }
  return false;
}
