import { createHmac } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { timingSafeEqualString } from '@koppelmij/core';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The route takes state-changing requests from other origins by design (oidc-provider's
     * endpoints, option 3b's `/launch-module`, APIs called with a token): the form check of
     * {@link registerFormProtection} does not apply.
     */
    acceptsCrossOrigin?: boolean;
  }
}

/** The name of the hidden anti-CSRF field of every form of the services. */
export const FORM_TOKEN_FIELD = 'csrf';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Why a state-changing request did not come from a page of `ownOrigin`, or `undefined` when it
 * may have (docs/decisions.md I56). Fetch Metadata decides when the browser sends it:
 * `Sec-Fetch-Site` `cross-site` or `same-site` is refused (the services are same-site siblings,
 * so SameSite=Lax cookies reach them from each other's pages). Without it, an `Origin` other than
 * the service's own is refused (RFC 6454 §7.3), except `null`: under the pages' own
 * `Referrer-Policy: no-referrer` a browser sends `Origin: null` even for a same-origin form
 * (Fetch §3.1 "append a request Origin header"). A client that sends neither header is no
 * browser. In both cases the form token decides.
 */
export function crossOriginRefusal(headers: Record<string, string | string[] | undefined>, ownOrigin: string): string | undefined {
  const site = headers['sec-fetch-site'];
  if (site !== undefined) return site === 'same-origin' || site === 'none' ? undefined : `Sec-Fetch-Site: ${String(site)}`;
  const origin = headers.origin;
  if (origin !== undefined && origin !== 'null' && origin !== ownOrigin) return `Origin: ${String(origin)}`;
  return undefined;
}

export interface FormProtectionOptions {
  /** The service's public URL: its origin is the only one whose pages may post its forms. */
  publicUrl: string;
  /** The plain HTML page of a refusal (403). */
  refusalPage: () => string;
}

/**
 * Refuses, with 403 and a plain page and before any handler runs, every state-changing request
 * of `app` that a browser sent from another origin (OWASP CSRF cheat sheet, "Verifying Origin
 * with standard headers" and "Fetch Metadata"); routes marked `acceptsCrossOrigin` excepted.
 * The per-form token ({@link FormTokens}, or a session's) is checked by each form's route.
 */
export function registerFormProtection(app: FastifyInstance, options: FormProtectionOptions): void {
  const ownOrigin = new URL(options.publicUrl).origin;
  app.addHook('onRequest', async (request, reply) => {
    if (SAFE_METHODS.has(request.method) || request.routeOptions.config?.acceptsCrossOrigin === true) return;
    const refusal = crossOriginRefusal(request.headers, ownOrigin);
    if (refusal === undefined) return;
    request.log.info({ refusal, url: request.url }, 'cross-origin form post refused');
    return reply.code(403).type('text/html; charset=utf-8').send(options.refusalPage());
  });
}

/** The value of a form body's anti-CSRF field, if it is a string. */
export function formTokenOf(body: unknown): string | undefined {
  const value = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[FORM_TOKEN_FIELD] : undefined;
  return typeof value === 'string' ? value : undefined;
}

/** True when the form `body` carries `expected` (a session's synchroniser token), compared in constant time. */
export function hasFormToken(body: unknown, expected: string | undefined): boolean {
  const value = formTokenOf(body);
  return value !== undefined && expected !== undefined && timingSafeEqualString(value, expected);
}

/**
 * Anti-CSRF tokens bound to a value the server already keeps, such as an oidc-provider
 * interaction's uid (docs/decisions.md I56): HMAC-SHA256 under a key derived from the service's
 * cookie keys, so every instance that can read the interaction cookie can check the token and
 * nothing needs storing. The first key issues; every key verifies (key rotation).
 */
export class FormTokens {
  readonly #keys: Buffer[];

  constructor(cookieKeys: readonly string[]) {
    if (cookieKeys.length === 0) throw new Error('FormTokens: no key');
    this.#keys = cookieKeys.map((key) => createHmac('sha256', key).update('koppelmij form token').digest());
  }

  /** The token of the forms of `binding` (e.g. `interaction:<uid>`). */
  issue(binding: string): string {
    return FormTokens.#mac(this.#keys[0]!, binding);
  }

  /** True when the form `body` carries the token of `binding`. */
  verify(binding: string, body: unknown): boolean {
    const value = formTokenOf(body);
    return value !== undefined && this.#keys.some((key) => timingSafeEqualString(value, FormTokens.#mac(key, binding)));
  }

  static #mac(key: Buffer, binding: string): string {
    return createHmac('sha256', key).update(binding).digest('base64url');
  }
}
