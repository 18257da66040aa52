import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomToken, tupleKey, type Actor } from '@koppelmij/core';
import type { DvaAuth } from '../context.ts';

/**
 * The cookies a DigiD login at the DVA leaves for the archived launch options (docs/protocol.md §2.1
 * "Cookies produced by the collect phase", §2.3 step 3):
 *
 * - `dva_correlation` (option 1, docs/protocol.md §3.2 step 2): browser correlation. The value is 256 random
 *   bits and carries no identity; the store keeps, under its hash, which person and which PGO the
 *   login was for, so a launch in this browser within `CORRELATION_COOKIE_TTL` needs no new DigiD
 *   login (step 5). Path `/interaction`: only the interaction pages read it.
 * - `dva_sso` (option 3b, docs/protocol.md §3.5 step 2): the DVA's own SSO session, `SSO_SESSION_TTL`
 *   (the IG's example: about 4 hours). Path `/launch-module`: only that endpoint reads it.
 *
 * Both are host-only, `HttpOnly`, `SameSite=Lax` (they must come along on the PGO's top-level
 * navigation to the DVA, a cross-site GET; `Strict` would drop them there), and `Secure` when the
 * DVA runs on https. The store never holds a cookie value, only its hash (`tupleKey`).
 * A collect sets the cookie of an option only when a registered module uses that option.
 */
export const CORRELATION_COOKIE = 'dva_correlation';
export const SSO_COOKIE = 'dva_sso';

/** Whom a browser cookie stands for, server-side. */
export interface BrowserLogin {
  /** The DVA's pseudonym of the person who logged in at DigiD. */
  sub: string;
  /** The PGO whose authorization request the login was for (absent for a 3b login of its own). */
  client_id?: string;
  /** When the DigiD login happened, seconds since the epoch. */
  auth_time: number;
  /** The representative who chose the person at that login (docs/identity-check-reference.md; decision I33). */
  act?: Actor;
}

interface CookieKind {
  name: string;
  path: string;
  namespace: string;
  ttl(dva: DvaAuth): number;
}

const CORRELATION: CookieKind = { name: CORRELATION_COOKIE, path: '/interaction', namespace: 'correlation', ttl: (dva) => dva.config.CORRELATION_COOKIE_TTL };
const SSO: CookieKind = { name: SSO_COOKIE, path: '/launch-module', namespace: 'sso', ttl: (dva) => dva.config.SSO_SESSION_TTL };

const VALUE = /^[A-Za-z0-9_-]{43}$/;
const now = () => Math.floor(Date.now() / 1000);

/** True when some registered module is launched with `option` (registrations are configuration). */
export const optionInUse = (dva: DvaAuth, option: '1' | '3b'): boolean => dva.registrations.modules.some((m) => m.launch_option === option);

async function issue(dva: DvaAuth, reply: FastifyReply, kind: CookieKind, login: BrowserLogin): Promise<void> {
  const value = randomToken(); // always a new value: a login never extends a cookie planted before it
  await dva.store.set(tupleKey(kind.namespace, value), login, kind.ttl(dva));
  reply.setCookie(kind.name, value, { path: kind.path, httpOnly: true, sameSite: 'lax', secure: dva.config.DVA_AUTH_URL.startsWith('https:'), maxAge: kind.ttl(dva) });
}

async function read(dva: DvaAuth, request: FastifyRequest, kind: CookieKind): Promise<BrowserLogin | undefined> {
  const value = request.cookies[kind.name];
  if (!value || !VALUE.test(value)) return undefined;
  const login = await dva.store.get<BrowserLogin>(tupleKey(kind.namespace, value));
  // the store entry expires with the cookie; the age check also holds when a clock or store drifts
  return login && now() - login.auth_time <= kind.ttl(dva) ? login : undefined;
}

/** Option 1: a new correlation cookie for this browser after a DigiD login for `client_id`. */
export const setCorrelationCookie = (dva: DvaAuth, reply: FastifyReply, sub: string, clientId: string, act?: Actor) =>
  issue(dva, reply, CORRELATION, { sub, client_id: clientId, auth_time: now(), ...(act && { act }) });

/** Option 1: the login this browser's correlation cookie stands for, while it is within its window. */
export const readCorrelationCookie = (dva: DvaAuth, request: FastifyRequest) => read(dva, request, CORRELATION);

/** Option 3b: a new SSO session for this browser after a DigiD login. */
export const setSsoCookie = (dva: DvaAuth, reply: FastifyReply, sub: string, clientId?: string, act?: Actor) =>
  issue(dva, reply, SSO, { sub, ...(clientId !== undefined && { client_id: clientId }), auth_time: now(), ...(act && { act }) });

/** Option 3b: the live SSO session of this browser. */
export const readSsoCookie = (dva: DvaAuth, request: FastifyRequest) => read(dva, request, SSO);

/**
 * docs/protocol.md §2.1, §2.3 step 3: after the collect's DigiD login, the cookies of the options in use
 * (option 1: correlation; option 3b: SSO session). Options 3a, 2a and 2b rely on neither.
 */
export async function setCollectCookies(dva: DvaAuth, reply: FastifyReply, sub: string, clientId: string, act?: Actor): Promise<void> {
  if (optionInUse(dva, '1')) await setCorrelationCookie(dva, reply, sub, clientId, act);
  if (optionInUse(dva, '3b')) await setSsoCookie(dva, reply, sub, clientId, act);
}
