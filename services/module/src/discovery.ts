import { z } from 'zod';
import { systemClock, type Clock } from '@koppelmij/core';
import type { Fetch } from './dpop.ts';

/** The members of `{iss}/.well-known/smart-configuration` the module uses (SMART App Launch 2.x "Conformance"). */
export interface SmartMetadata {
  issuer?: string;
  jwks_uri?: string;
  authorization_endpoint: string;
  token_endpoint: string;
  revocation_endpoint?: string;
  /** RFC 9207 §3, when the SMART configuration carries this RFC 8414 member. */
  authorization_response_iss_parameter_supported?: boolean;
}

/** The authorization server an authorization request goes to, as RFC 9207 §2.4 needs it. */
export interface AuthorizationServer {
  issuer: string;
  /** The server advertises `authorization_response_iss_parameter_supported`: a response without `iss` is refused. */
  issRequired: boolean;
}

/** Where id_tokens come from: the OpenID Provider's `issuer` and its key set. */
export interface OpenIdProvider {
  issuer: string;
  jwks_uri: string;
}

/** Discovery failed or returned a document the module cannot use; never shown beyond a generic message. */
export class DiscoveryError extends Error {
  /** The HTTP status of the document's answer, when there was one. */
  readonly status: number | undefined;

  constructor(message: string, options?: { cause?: unknown; status?: number }) {
    super(message, options);
    this.name = 'DiscoveryError';
    this.status = options?.status;
  }
}

const endpoint = z.url({ protocol: /^https?$/ });

const smartConfiguration = z.object({
  issuer: endpoint.optional(),
  jwks_uri: endpoint.optional(),
  authorization_endpoint: endpoint,
  token_endpoint: endpoint,
  revocation_endpoint: endpoint.optional(),
  authorization_response_iss_parameter_supported: z.boolean().optional(),
  // SMART 2.x: REQUIRED, and S256 must be listed (the module never sends `plain`; RFC 7636 §4.2)
  code_challenge_methods_supported: z.array(z.string()).refine((m) => m.includes('S256'), 'must include S256'),
});

const openIdConfiguration = z.object({
  issuer: endpoint,
  jwks_uri: endpoint,
  authorization_response_iss_parameter_supported: z.boolean().optional(),
});

/** Default lifetime of a cached discovery document: short, so a key or endpoint change is seen soon. */
const DEFAULT_TTL = 300;

/**
 * Fetches and briefly caches SMART configuration (W11) and OpenID Provider metadata. Only
 * ever called for an `iss` already checked against the trusted list (docs/protocol.md §8 item 29).
 */
export class SmartDiscovery {
  readonly #fetch: Fetch;
  readonly #ttl: number;
  readonly #clock: Clock;
  readonly #cache = new Map<string, { expires: number; value: Promise<unknown> }>();

  constructor(options: { fetch: Fetch; ttl?: number; clock?: Clock }) {
    this.#fetch = options.fetch;
    this.#ttl = options.ttl ?? DEFAULT_TTL;
    this.#clock = options.clock ?? systemClock;
  }

  /** `GET {iss}/.well-known/smart-configuration` (SMART App Launch 2.x; docs/protocol.md §1.1, W11). */
  smartConfiguration(iss: string): Promise<SmartMetadata> {
    return this.#cached(`${iss.replace(/\/+$/, '')}/.well-known/smart-configuration`, smartConfiguration);
  }

  /**
   * The OpenID Provider behind `smart`, for id_token verification (docs/protocol.md §8 item 31).
   *
   * SMART 2.x lists `issuer` and `jwks_uri` in the SMART configuration when the server offers
   * `sso-openid-connect`; those win. Otherwise the issuer is taken to be the origin of the
   * `authorization_endpoint` and confirmed through its `/.well-known/openid-configuration`,
   * whose `issuer` must equal it exactly (OpenID Connect Discovery 1.0 §4.3).
   */
  async openIdProvider(smart: SmartMetadata): Promise<OpenIdProvider> {
    if (smart.issuer !== undefined && smart.jwks_uri !== undefined) return { issuer: smart.issuer, jwks_uri: smart.jwks_uri };
    const { issuer, jwks_uri } = await this.#openIdConfiguration(smart);
    return { issuer, jwks_uri };
  }

  /**
   * The issuer behind `smart` and whether it advertises `authorization_response_iss_parameter_supported`
   * (RFC 9207 §3): from the SMART configuration when it says so, else from the issuer's OpenID
   * configuration. An issuer that publishes none (404) advertises nothing; any other failure refuses
   * the launch (docs/decisions.md I65).
   */
  async authorizationServer(smart: SmartMetadata): Promise<AuthorizationServer> {
    const issuer = smart.issuer ?? new URL(smart.authorization_endpoint).origin;
    const advertised = smart.authorization_response_iss_parameter_supported;
    if (advertised !== undefined) return { issuer, issRequired: advertised };
    try {
      const metadata = await this.#openIdConfiguration(smart);
      return { issuer, issRequired: metadata.authorization_response_iss_parameter_supported === true };
    } catch (error) {
      if (error instanceof DiscoveryError && error.status === 404) return { issuer, issRequired: false };
      throw error;
    }
  }

  async #openIdConfiguration(smart: SmartMetadata): Promise<z.infer<typeof openIdConfiguration>> {
    const issuer = smart.issuer ?? new URL(smart.authorization_endpoint).origin;
    const metadata = await this.#cached(`${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`, openIdConfiguration);
    if (metadata.issuer !== issuer) throw new DiscoveryError('openid-configuration issuer does not match'); // OIDC Discovery §4.3
    return metadata;
  }

  #cached<T>(url: string, schema: z.ZodType<T>): Promise<T> {
    const now = this.#clock();
    const hit = this.#cache.get(url);
    if (hit && hit.expires > now) return hit.value as Promise<T>;
    const value = this.#load(url, schema);
    this.#cache.set(url, { expires: now + this.#ttl, value });
    // a failure is not remembered: the next launch tries again
    value.catch(() => this.#cache.delete(url));
    return value;
  }

  async #load<T>(url: string, schema: z.ZodType<T>): Promise<T> {
    let body: unknown;
    try {
      const response = await this.#fetch(url, { headers: { accept: 'application/json' }, redirect: 'error' });
      if (!response.ok) throw new DiscoveryError(`${url} answered ${response.status}`, { status: response.status });
      body = await response.json();
    } catch (error) {
      throw error instanceof DiscoveryError ? error : new DiscoveryError(`${url} could not be fetched`, { cause: error });
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) throw new DiscoveryError(`${url} is not usable: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`);
    return parsed.data;
  }
}
