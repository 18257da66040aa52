import { generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import type { JWK } from 'jose';
import { createDpopProof, dpopKeyFromJwk, type DpopKey } from '@koppelmij/core/dpop';

/** The `fetch` the module calls out with (injectable for tests). */
export type Fetch = typeof globalThis.fetch;

const ALG = 'ES256';

/**
 * A fresh DPoP key for one launch (RFC 9449 §2), with its private JWK for the server-side store:
 * the key must outlive one request (token, FHIR calls, refresh, revocation all prove it), and
 * several module instances share nothing but the store. The JWK never reaches the browser.
 */
export async function generateLaunchDpopKey(): Promise<{ key: DpopKey; privateJwk: JWK }> {
  // node:crypto in place of WebCrypto (docs/decisions.md I115): one key per launch
  const { privateKey } = await generateKeyPairAsync('ec', { namedCurve: 'P-256' });
  const privateJwk = privateKey.export({ format: 'jwk' }) as JWK;
  return { key: await importDpopKey(privateJwk), privateJwk };
}

const generateKeyPairAsync = promisify(generateKeyPair);

/** The {@link DpopKey} of a stored private JWK. */
export function importDpopKey(privateJwk: JWK): Promise<DpopKey> {
  return dpopKeyFromJwk(privateJwk, ALG);
}

/**
 * The latest `DPoP-Nonce` each server sent, by origin (RFC 9449 §8.2, §9: the client uses it in
 * its next proofs to that server). Nonces are per server, not per person, so one map serves all sessions.
 */
export class DpopNonceMemory {
  readonly #nonces = new Map<string, string>();

  get(url: string): string | undefined {
    return this.#nonces.get(new URL(url).origin);
  }

  remember(url: string, response: Response): void {
    const nonce = response.headers.get('dpop-nonce');
    // RFC 9449 §8.1: a nonce is one or more NQCHAR; anything else is not worth echoing back
    if (nonce && /^[\x21\x23-\x5B\x5D-\x7E]+$/.test(nonce)) this.#nonces.set(new URL(url).origin, nonce);
  }
}

export interface DpopRequest {
  fetch: Fetch;
  key: DpopKey;
  nonces: DpopNonceMemory;
  /** The access token the request carries: the proof then has `ath` (RFC 9449 §4.2, §7.1). */
  accessToken?: string;
}

/** A request to send with a proof; a function builds a fresh one for each attempt. */
export type DpopRequestInit = RequestInit & { method: string };

/**
 * Sends a request to `url` with a fresh DPoP proof (a new `jti` for every attempt, RFC 9449 §4.2).
 * When the server demands a nonce (RFC 9449 §8: 400 `use_dpop_nonce` from the authorization
 * server; §9: 401 with `WWW-Authenticate: DPoP error="use_dpop_nonce"` from a resource server)
 * and supplies one in `DPoP-Nonce`, the request is retried once with it.
 *
 * Pass `init` as a function when the request carries single-use parts of its own: a client
 * assertion's `jti` may not be replayed (RFC 7523 §3 (7)), so the retry needs a new one.
 */
export async function fetchWithDpop(url: string, init: DpopRequestInit | (() => Promise<DpopRequestInit>), request: DpopRequest): Promise<Response> {
  const send = async () => {
    const attempt = typeof init === 'function' ? await init() : init;
    const nonce = request.nonces.get(url);
    const proof = await createDpopProof({
      key: request.key,
      htm: attempt.method,
      htu: url,
      ...(request.accessToken !== undefined && { accessToken: request.accessToken }),
      ...(nonce !== undefined && { nonce }),
    });
    const headers = new Headers(attempt.headers);
    headers.set('dpop', proof);
    const response = await request.fetch(url, { ...attempt, headers, redirect: 'error' });
    request.nonces.remember(url, response);
    return response;
  };
  const first = await send();
  if (!(await demandsNonce(first)) || !first.headers.has('dpop-nonce')) return first;
  await first.body?.cancel();
  return send();
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
