import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import type { Clock, KeyValueStore } from '@koppelmij/core';
import { DpopClient, DpopNonceMemory, type DpopKey } from '@koppelmij/core/dpop';
import type { SigningKey } from '@koppelmij/service-kit';
import type { ModuleConfig } from './config.ts';
import { SmartDiscovery, type SmartMetadata } from './discovery.ts';
import { importDpopKey, type Fetch } from './dpop.ts';
import { ModuleError } from './errors.ts';
import { FhirClient } from './fhir-client.ts';
import { IdTokenVerifier } from './id-token.ts';
import type { ModuleRegistration } from './registrations.ts';
import { Sessions, type ModuleContext } from './session.ts';
import { refreshTokens, revokeToken, type AuthorizationServerClient } from './smart-client.ts';

/** Refresh this many seconds before the access token expires (docs/protocol.md §4.7 sliding session). */
const REFRESH_MARGIN = 60;

export interface ModuleRuntimeOptions {
  config: ModuleConfig;
  registrations: readonly ModuleRegistration[];
  store: KeyValueStore;
  fetch: Fetch;
  clock: Clock;
  signingKey: SigningKey;
}

/** The active launch of one module identity in one browser session. */
export interface ActiveLaunch {
  sid: string;
  csrf: string;
  context: ModuleContext;
}

/** Everything the routes share: registrations, sessions, discovery, keys, and the calls out. */
export class ModuleRuntime {
  readonly config: ModuleConfig;
  readonly registrations: readonly ModuleRegistration[];
  readonly sessions: Sessions;
  readonly discovery: SmartDiscovery;
  readonly idTokens: IdTokenVerifier;
  readonly nonces = new DpopNonceMemory();
  readonly signingKey: SigningKey;
  readonly fetch: Fetch;
  readonly clock: Clock;
  readonly #byClientId: ReadonlyMap<string, ModuleRegistration>;

  constructor(options: ModuleRuntimeOptions) {
    const { config, fetch, clock } = options;
    this.config = config;
    this.registrations = options.registrations;
    this.#byClientId = new Map(options.registrations.map((r) => [r.clientId, r]));
    this.sessions = new Sessions({ store: options.store, secure: config.publicUrl.startsWith('https:') });
    this.discovery = new SmartDiscovery({ fetch, clock });
    this.idTokens = new IdTokenVerifier({ fetch, clock });
    this.signingKey = options.signingKey;
    this.fetch = fetch;
    this.clock = clock;
  }

  /** The registration named in the path; an unknown client_id is a 404. */
  registration(clientId: string): ModuleRegistration {
    const registration = this.#byClientId.get(clientId);
    if (registration === undefined) throw new ModuleError(404, 'Deze module is hier onbekend.');
    return registration;
  }

  /** The client for calls to the authorization server of `smart`, proving `key`. */
  asClient(registration: ModuleRegistration, smart: SmartMetadata, key: DpopKey): AuthorizationServerClient {
    return { fetch: this.fetch, smart, registration, signingKey: this.signingKey, dpop: this.dpopClient(key) };
  }

  /**
   * The browser's active launch of `registration`, its access token refreshed when it is about to
   * expire and a refresh token is at hand (RFC 6749 §6; docs/protocol.md §4.7).
   *
   * @throws ModuleError 401 when there is no launch or its tokens can no longer be used.
   */
  async active(request: FastifyRequest, registration: ModuleRegistration): Promise<ActiveLaunch> {
    const active = await this.sessions.context(request, registration.clientId);
    if (active === undefined) throw new ModuleError(401, 'Deze module is niet gestart. Start hem vanuit uw PGO.');
    const { context } = active;
    if (context.expiresAt === undefined || context.expiresAt - this.clock() > REFRESH_MARGIN) return active;
    const ended = new ModuleError(401, 'Uw sessie bij de zorgaanbieder is afgelopen. Start de module opnieuw vanuit uw PGO.');
    if (context.refreshToken === undefined) {
      if (context.expiresAt > this.clock()) return active;
      await this.sessions.update(active.sid, registration.clientId, undefined);
      throw ended;
    }
    try {
      const key = await importDpopKey(context.dpopJwk);
      const tokens = await refreshTokens(this.asClient(registration, context.smart, key), context.refreshToken);
      const refreshed: ModuleContext = {
        ...context,
        accessToken: tokens.access_token,
        tokenType: tokens.token_type.toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer',
        // RFC 6749 §6: the server may rotate the refresh token; otherwise the old one stays valid
        refreshToken: tokens.refresh_token ?? context.refreshToken,
      };
      if (tokens.expires_in === undefined) delete refreshed.expiresAt;
      else refreshed.expiresAt = this.clock() + tokens.expires_in;
      await this.sessions.update(active.sid, registration.clientId, refreshed);
      return { ...active, context: refreshed };
    } catch (error) {
      await this.sessions.update(active.sid, registration.clientId, undefined);
      throw new ModuleError(401, ended.message, { cause: error });
    }
  }

  /** A DPoP client proving with `key`; the servers' nonces are shared by every launch (RFC 9449 §8.2, §9). */
  dpopClient(key: DpopKey): DpopClient {
    return new DpopClient({ key, fetch: this.fetch, nonces: this.nonces });
  }

  /** A FHIR client for the context's FHIR base and access token. */
  async fhir(context: ModuleContext): Promise<FhirClient> {
    return new FhirClient({
      fetch: this.fetch,
      base: context.iss,
      accessToken: context.accessToken,
      tokenType: context.tokenType,
      dpop: this.dpopClient(await importDpopKey(context.dpopJwk)),
    });
  }

  /**
   * Terugkeer step 2 (docs/protocol.md §4.6): revoke the access token and, when there is one, the refresh
   * token (RFC 7009 §2.1). A failure is logged, not shown: the tokens are dropped from the
   * session anyway, so no one holds them any more, and they expire on their own.
   */
  async revokeAll(
    registration: ModuleRegistration,
    tokens: { smart: SmartMetadata; accessToken: string; refreshToken?: string | undefined },
    log: FastifyBaseLogger,
  ): Promise<void> {
    const client = { fetch: this.fetch, smart: tokens.smart, registration, signingKey: this.signingKey };
    const revocations: Array<[string, 'access_token' | 'refresh_token']> = [[tokens.accessToken, 'access_token']];
    if (tokens.refreshToken !== undefined) revocations.push([tokens.refreshToken, 'refresh_token']);
    for (const [token, hint] of revocations) {
      const ok = await revokeToken(client, token, hint).catch(() => false);
      if (!ok) log.warn({ client_id: registration.clientId, token_type_hint: hint }, 'token revocation failed');
    }
  }
}
