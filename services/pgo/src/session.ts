/**
 * Server-side sessions: the browser holds only an opaque, signed, HttpOnly cookie; everything
 * else (the person, their dossiers, pending authorization flows) stays in the store, so no DVA
 * token can reach the browser (docs/protocol.md §8 item 26).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { hasFormToken } from '@koppelmij/service-kit';
import { randomToken, tupleKey, type KeyValueStore, type PersonData } from '@koppelmij/core';
import { Forbidden } from './errors.ts';

/** The person DigiD asserted (the id_token's `bsn`, `name`, `birthdate`). */
export interface Person {
  bsn: string;
  name: string;
  birthdate?: string;
}

/** A dossier the session may open, keyed by BSN: the person's own, or one they act in for someone else (docs/identity-check-reference.md). */
export interface DossierRef {
  bsn: string;
  name: string;
  relation: 'self' | 'represented';
  /** What the PGO knows to identify the dossier's person: the identity check's `person` (docs/identity-check-reference.md "Contract"). */
  person?: PersonData;
}

export interface SessionData {
  /** Synchroniser token for the session's forms (OWASP CSRF cheat sheet). */
  csrf: string;
  user?: Person & { act?: Record<string, unknown> };
  dossiers: DossierRef[];
  /** A one-time message for the next dossier page (post/redirect/get). */
  notice?: string;
}

export interface Session {
  id: string;
  data: SessionData;
}

/** A pending authorization flow, found again by its `state` at the callback. */
export type Flow =
  | { kind: 'login'; codeVerifier: string; nonce: string }
  | { kind: 'collect'; bsn: string; codeVerifier: string }
  /** 3a-W W1–W6: the PAR leg. */
  | { kind: 'launch'; bsn: string; taskId: string; codeVerifier: string; audience: string; address: string }
  /** Safeguard 4.3.1 (docs/identity-check-reference.md): a collect's code, kept unredeemed until the person confirms. */
  | { kind: 'confirm'; bsn: string; code: string; codeVerifier: string }
  /** 3a-P with step-up (docs/protocol.md §3.1.2 step 3): a fresh collect token, then the exchange again. */
  | { kind: 'step-up'; bsn: string; taskId: string; codeVerifier: string; audience: string; address: string }
  /** Option 1 (docs/protocol.md §3.2 steps 3–6): the PGO's authorization at the DVA for one module. */
  | { kind: 'launch-1'; bsn: string; taskId: string; codeVerifier: string; audience: string; address: string };

const SESSION_TTL = 8 * 3600;

export interface SessionOptions {
  /** True when the PGO's public URL is https: the cookie then gets `Secure` and the `__Host-` prefix. */
  secure: boolean;
}

export class Sessions {
  readonly #store: KeyValueStore;
  readonly #secure: boolean;
  /** `pgo_sid`; with https `__Host-pgo_sid` (RFC 6265bis §4.1.3.2). */
  readonly cookieName: string;

  constructor(store: KeyValueStore, options: SessionOptions) {
    this.#store = store;
    this.#secure = options.secure;
    this.cookieName = options.secure ? '__Host-pgo_sid' : 'pgo_sid';
  }

  /** The session named by the request's cookie, when the cookie is validly signed and the session lives. */
  async load(request: FastifyRequest): Promise<Session | undefined> {
    const raw = request.cookies[this.cookieName];
    if (raw === undefined) return undefined;
    const { valid, value } = request.unsignCookie(raw);
    if (!valid || value === null) return undefined;
    const data = await this.#store.get<SessionData>(sessionKey(value));
    return data ? { id: value, data } : undefined;
  }

  /** The current session, or a fresh anonymous one with its cookie set. */
  async ensure(request: FastifyRequest, reply: FastifyReply): Promise<Session> {
    return (await this.load(request)) ?? this.#create(reply, { csrf: randomToken(), dossiers: [] });
  }

  async save(session: Session): Promise<void> {
    await this.#store.set(sessionKey(session.id), session.data, SESSION_TTL);
  }

  /**
   * Replaces the session id after login, so an id planted before login is worth nothing
   * (session fixation, OWASP Session Management cheat sheet). Pending flows stay behind.
   */
  async rotate(old: Session | undefined, reply: FastifyReply, data: Omit<SessionData, 'csrf'>): Promise<Session> {
    if (old) await this.#store.delete(sessionKey(old.id));
    return this.#create(reply, { ...data, csrf: randomToken() });
  }

  async destroy(session: Session | undefined, reply: FastifyReply): Promise<void> {
    if (session) await this.#store.delete(sessionKey(session.id));
    reply.clearCookie(this.cookieName, { path: '/' });
  }

  /** Stores `flow` for `ttl` seconds and returns its new `state` (RFC 6749 §10.12: bound to the session). */
  async beginFlow(session: Session, flow: Flow, ttl = 600): Promise<string> {
    const state = randomToken();
    await this.saveFlow(session, state, flow, ttl);
    return state;
  }

  /** Stores `flow` under the `state` of an authorization request (core `startAuthorization`), bound to the session. */
  async saveFlow(session: Session, state: string, flow: Flow, ttl = 600): Promise<void> {
    await this.#store.set(flowKey(session.id, state), flow, ttl);
  }

  /**
   * The flow for `state` in this session, consumed in one atomic step (docs/decisions-protocol.md D12), or
   * undefined when there is none: a missing, foreign, replayed or expired `state` (docs/protocol.md §8 item 24).
   */
  async takeFlow(session: Session | undefined, state: string): Promise<Flow | undefined> {
    if (!session) return undefined;
    return this.#store.take<Flow>(flowKey(session.id, state));
  }

  async #create(reply: FastifyReply, data: SessionData): Promise<Session> {
    const session = { id: randomToken(), data };
    await this.save(session);
    // docs/architecture.md "Hosts, ports and cookies": host-only, HttpOnly, SameSite=Lax.
    reply.setCookie(this.cookieName, session.id, {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: this.#secure,
      signed: true,
      maxAge: SESSION_TTL,
    });
    return session;
  }
}

/**
 * Checks the form's `csrf` field against the session's token. SameSite=Lax alone is not enough
 * here: every `*.localhost` service of the demo is "same-site" with the PGO.
 *
 * @throws {Forbidden} a missing or wrong token
 */
export function checkCsrf(session: Session, body: unknown): void {
  if (!hasFormToken(body, session.data.csrf)) {
    throw new Forbidden('Het formulier is verlopen. Ga terug, laad de pagina opnieuw en probeer het nog eens.');
  }
}

/** Store keys hash the id, so a store dump does not hand out live session ids. */
function sessionKey(id: string): string {
  return tupleKey('pgo:session', id);
}

function flowKey(sessionId: string, state: string): string {
  return tupleKey('pgo:flow', sessionId, state);
}
