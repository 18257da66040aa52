import type { FastifyReply, FastifyRequest } from 'fastify';
import type { JWK } from 'jose';
import { hasFormToken } from '@koppelmij/service-kit';
import { randomToken, tupleKey, type KeyValueStore } from '@koppelmij/core';
import type { AuthorizationServer, SmartMetadata } from './discovery.ts';
import type { LaunchSummary } from './launch-summary.ts';

/** What W12 leaves behind for W15, keyed by session and `state` (docs/protocol.md §3.1.1 W12: "stores state, code_verifier and iss server-side"). */
export interface PendingLaunch {
  clientId: string;
  iss: string;
  code_verifier: string;
  nonce?: string;
  /** The launch's DPoP key, private part included: server-side only. */
  dpopJwk: JWK;
  smart: SmartMetadata;
  /** The authorization server the request went to: its response must name it (RFC 9207 §2.4). */
  authorizationServer: AuthorizationServer;
  /** Level S: a standalone launch, whose token response carries the patient and no Task. */
  standalone?: true;
}

/** One launched module in one browser: tokens and context, kept server-side only (docs/protocol.md §8 item 32). */
export interface ModuleContext {
  clientId: string;
  iss: string;
  /** The patient's logical id. */
  patient: string;
  /** The Task's logical id (the token response carried `Task/<id>`); absent for a standalone launch (level S). */
  task?: string;
  accessToken: string;
  tokenType: 'DPoP' | 'Bearer';
  refreshToken?: string;
  /** Seconds since the epoch; absent when the token response had no `expires_in`. */
  expiresAt?: number;
  /** From the token response only (docs/protocol.md §8 item 33). */
  returnUrl?: string;
  /** Someone acts on behalf of the patient (docs/identity-check-reference.md; the token response's `act`). */
  representation?: true;
  /** The verified id_token's `sub` and `fhirUser`, when `openid` was granted. */
  sub?: string;
  fhirUser?: string;
  dpopJwk: JWK;
  smart: SmartMetadata;
  /** What the app page shows of its launch (launch-summary.ts); no token inside. */
  launch?: LaunchSummary;
}

interface SessionRecord {
  /** The per-session anti-CSRF token every form carries. */
  csrf: string;
  contexts: Record<string, ModuleContext>;
}

/** A pending launch waits for the person at the DVA (DigiD login, consent) at most this long. */
const PENDING_TTL = 600;
/** docs/protocol.md §4.7: a module session lasts at most 3 h, plus the 120 s grace period. */
const SESSION_TTL = 10_800 + 120;

/**
 * Server-side sessions behind an opaque, signed, HttpOnly, SameSite=Lax cookie (architecture.md
 * "Hosts, ports and cookies"). Lax lets the cookie come along on the DVA's top-level redirect to
 * the callback (W14). The session id is replaced once tokens are stored (OWASP session
 * fixation), and only ids this service created are accepted.
 */
export class Sessions {
  readonly #store: KeyValueStore;
  readonly #cookie: string;
  readonly #secure: boolean;

  constructor(options: { store: KeyValueStore; secure: boolean }) {
    this.#store = options.store;
    this.#secure = options.secure;
    // `__Host-` needs Secure (RFC 6265bis §4.1.3.2); the http demo cannot use it.
    this.#cookie = options.secure ? '__Host-module_sid' : 'module_sid';
  }

  /** The current session id, or a new session when the browser has none (or an unknown one). */
  async ensure(request: FastifyRequest, reply: FastifyReply): Promise<string> {
    const sid = this.#sid(request);
    if (sid !== undefined && (await this.#record(sid)) !== undefined) return sid;
    // an anonymous session lives only as long as its pending launch could
    return this.#create(reply, { csrf: randomToken(), contexts: {} }, PENDING_TTL);
  }

  savePending(sid: string, state: string, pending: PendingLaunch): Promise<void> {
    return this.#store.set(tupleKey('module:launch', sid, state), pending, PENDING_TTL);
  }

  /** Consumes the pending launch of this session and `state` in one atomic step (docs/decisions-protocol.md D12). */
  async takePending(request: FastifyRequest, state: string): Promise<PendingLaunch | undefined> {
    const sid = this.#sid(request);
    return sid === undefined ? undefined : this.#store.take<PendingLaunch>(tupleKey('module:launch', sid, state));
  }

  /** Stores a freshly launched context under a new session id and drops the old one. */
  async establish(request: FastifyRequest, reply: FastifyReply, context: ModuleContext): Promise<void> {
    const sid = this.#sid(request);
    const previous = sid === undefined ? undefined : await this.#record(sid);
    if (sid !== undefined) await this.#store.delete(this.#key(sid));
    await this.#create(reply, { csrf: randomToken(), contexts: { ...previous?.contexts, [context.clientId]: context } }, SESSION_TTL);
  }

  /** The context of `clientId` in this browser's session, with the session's CSRF token. */
  async context(request: FastifyRequest, clientId: string): Promise<{ sid: string; csrf: string; context: ModuleContext } | undefined> {
    const sid = this.#sid(request);
    const record = sid === undefined ? undefined : await this.#record(sid);
    const context = record?.contexts[clientId];
    return sid !== undefined && record !== undefined && context !== undefined ? { sid, csrf: record.csrf, context } : undefined;
  }

  /** True when `token` is this session's CSRF token (compared in constant time). */
  async checkCsrf(sid: string, body: unknown): Promise<boolean> {
    return hasFormToken(body, (await this.#record(sid))?.csrf);
  }

  /** Replaces a context (after a refresh) or, with `undefined`, removes it (after terugkeer). */
  async update(sid: string, clientId: string, context: ModuleContext | undefined): Promise<void> {
    const record = await this.#record(sid);
    if (record === undefined) return;
    const { [clientId]: _dropped, ...others } = record.contexts;
    await this.#store.set(this.#key(sid), { ...record, contexts: context ? { ...others, [clientId]: context } : others }, SESSION_TTL);
  }

  async #create(reply: FastifyReply, record: SessionRecord, ttl: number): Promise<string> {
    const sid = randomToken();
    await this.#store.set(this.#key(sid), record, ttl);
    reply.setCookie(this.#cookie, sid, { path: '/', httpOnly: true, sameSite: 'lax', secure: this.#secure, signed: true });
    return sid;
  }

  #sid(request: FastifyRequest): string | undefined {
    const raw = request.cookies[this.#cookie];
    if (raw === undefined) return undefined;
    const unsigned = request.unsignCookie(raw);
    return unsigned.valid && unsigned.value !== null ? unsigned.value : undefined;
  }

  #record(sid: string): Promise<SessionRecord | undefined> {
    return this.#store.get<SessionRecord>(this.#key(sid));
  }

  #key(sid: string): string {
    return tupleKey('module:session', sid);
  }
}
