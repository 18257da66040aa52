import { createLocalJWKSet, createRemoteJWKSet, customFetch, decodeJwt, jwtVerify, type JSONWebKeySet, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { tupleKey } from '@koppelmij/core';
import type { PgoRegistration } from '@koppelmij/service-kit';
import type { DvaAuth } from '../context.ts';
import { checkReturnUrl } from './return-url.ts';
import { isFhirId, relativeReference } from '@koppelmij/core/fhir';

/**
 * The `context` of option 3b's `/launch-module` (docs/protocol.md §3.5 step 4: "the format of `context` is
 * unspecified"). [impl] A JWT the PGO signs with the key of its `private_key_jwt` registration
 * (docs/option-3b.md):
 *
 *     header  { "alg": "ES256", "kid": …, "typ": "koppelmij-launch-context+jwt" }
 *     claims  { "iss": "<PGO client_id>", "aud": "<DVA issuer>", "iat", "exp", "jti",
 *               "module": "<module client_id>", "task": "Task/<id>", "patient": "<FHIR id>",
 *               "return_url": "<PGO URL>" }
 *
 * so the DVA knows which PGO asks, for which person, Task and module, and that nobody else made
 * the request up (no cross-site launch into the person's session) or replays it (single-use `jti`).
 */
export const LAUNCH_CONTEXT_TYP = 'koppelmij-launch-context+jwt';

/** RFC 7519 §4.1.6: the context is made for one redirect; older than this it is refused. */
const MAX_AGE = 120;

/** A verified launch request of option 3b. */
export interface LaunchModuleRequest {
  /** The PGO that asked (the context's `iss`). */
  pgo: string;
  module: string;
  /** `Task/<id>`. */
  task: string;
  /** The FHIR id of the patient the PGO launches for. */
  patient: string;
  return_url?: string;
}

/** A `/launch-module` request the DVA refuses. `reason` is for the audit trail; the person sees one fixed text. */
export class LaunchModuleRefused extends Error {
  readonly reason: string;
  constructor(reason: string) {
    super('the launch request is invalid, expired or already used');
    this.name = 'LaunchModuleRefused';
    this.reason = reason;
  }
}

/** A PGO registration with keys (`private_key_jwt`): the only kind that can sign a context. */
type KeyedPgo = Extract<PgoRegistration, { token_endpoint_auth_method: 'private_key_jwt' }>;


/** Verifies option 3b contexts; one key set per PGO, refetched by jose when a `kid` is new. */
export class LaunchContextVerifier {
  readonly #dva: () => DvaAuth;
  readonly #keys = new Map<string, JWTVerifyGetKey>();

  constructor(dva: () => DvaAuth) {
    this.#dva = dva;
  }

  /**
   * Checks the context for the `module` the URL names and uses up its `jti` (docs/decisions-protocol.md D12).
   *
   * @throws {LaunchModuleRefused} anything amiss
   */
  async verify(module: string, context: string): Promise<LaunchModuleRequest> {
    const dva = this.#dva();
    const pgo = this.#issuer(context);
    let payload: JWTPayload;
    try {
      // RFC 8725 §3.11 explicit typing; RFC 7519 §4.1.1–§4.1.4, §4.1.6
      ({ payload } = await jwtVerify(context, this.#keySet(pgo), {
        typ: LAUNCH_CONTEXT_TYP,
        issuer: pgo.client_id,
        audience: dva.config.DVA_AUTH_URL,
        algorithms: ['ES256'],
        maxTokenAge: MAX_AGE,
        requiredClaims: ['iat', 'exp', 'jti'],
      }));
    } catch {
      throw new LaunchModuleRefused('context signature, type, audience or lifetime invalid');
    }
    const { jti, task, patient, return_url } = payload as JWTPayload & Record<string, unknown>;
    // the URL's module and the signed one must agree: the PGO chose the module, not the URL
    if (payload.module !== module) throw new LaunchModuleRefused('module differs from the context');
    if (typeof task !== 'string' || !relativeReference(task, 'Task')) throw new LaunchModuleRefused('context task malformed');
    if (!isFhirId(patient)) throw new LaunchModuleRefused('context patient malformed');
    if (return_url !== undefined) {
      // docs/protocol.md §4.5, §8 item 9
      try {
        if (typeof return_url !== 'string') throw new TypeError('return_url');
        checkReturnUrl(return_url, pgo.return_url_allowlist);
      } catch {
        throw new LaunchModuleRefused('return_url not allowed');
      }
    }
    // RFC 7519 §4.1.7: each context opens one launch; kept as long as it could still verify
    if (!(await dva.store.setIfAbsent(tupleKey('launch-context-jti', pgo.client_id, String(jti)), 1, MAX_AGE + 60))) {
      throw new LaunchModuleRefused('context already used');
    }
    return { pgo: pgo.client_id, module, task, patient, ...(typeof return_url === 'string' && { return_url }) };
  }

  /** The registered PGO the (not yet verified) `iss` names; only a PGO with keys can sign. */
  #issuer(context: string): KeyedPgo {
    let iss: unknown;
    try {
      iss = decodeJwt(context).iss;
    } catch {
      throw new LaunchModuleRefused('context is not a JWT');
    }
    const pgo = typeof iss === 'string' ? this.#dva().pgo(iss) : undefined;
    if (pgo?.token_endpoint_auth_method !== 'private_key_jwt') throw new LaunchModuleRefused('context issuer is not a PGO with registered keys');
    return pgo as KeyedPgo;
  }

  #keySet(pgo: KeyedPgo): JWTVerifyGetKey {
    let keys = this.#keys.get(pgo.client_id);
    if (!keys) {
      // the registrations file's jwks or jwks_uri, fetched with the service's fetch (docs/decisions.md I7)
      const fetchImpl = this.#dva().fetch;
      keys = pgo.jwks_uri
        ? createRemoteJWKSet(new URL(pgo.jwks_uri), { [customFetch]: (url: string, options: RequestInit) => fetchImpl(url, options) })
        : createLocalJWKSet(pgo.jwks as unknown as JSONWebKeySet);
      this.#keys.set(pgo.client_id, keys);
    }
    return keys;
  }
}
