import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomToken, sha256b64url, systemClock } from '@koppelmij/core';
import type { DvaAuth } from '../context.ts';

/**
 * The "Module DVA Authentication cookie" (docs/protocol.md §3.1.1 W4, W13; docs/decisions-protocol.md D7): set in the
 * browser that did the PGO's launch preparation, checked when the module's /authorize arrives.
 *
 * docs/decisions.md I45: the value is minted by the DVA at every preparation and never adopted
 * from the request (a value planted in the victim's browser beforehand would otherwise become
 * the victim's launch cookie, and its planter could redeem a stolen launch URL). `__Host-`
 * prefix, `Path=/`, `Secure` (RFC 6265bis §4.1.3.2): no sibling host nor plain-http network
 * attacker can set it. `Secure` also on `http://*.localhost`, which browsers treat as a secure
 * context, so the demo uses the same name. `SameSite=Lax` because the module's /authorize is a
 * top-level cross-site navigation; `HttpOnly`.
 *
 * docs/decisions.md I46: one browser may prepare several launches within the cookie's life. The
 * store keeps, under the hash of the value (never the value), the preparations bound to it, each
 * with its person, module and expiry. A new preparation mints a new value and carries over the
 * live preparations of the value the browser presented, when the DVA holds a record for it (an
 * unknown value carries nothing); the older value keeps only what it had.
 */
export const LAUNCH_AUTH_COOKIE = '__Host-dva_launch_auth';

export interface LaunchAuthBinding {
  sub: string;
  /** The module client_id (the launch preparation's `audience`). */
  audience: string;
}

/** One prepared launch bound to a cookie value; `id` is what the launch context records as `correlation`. */
interface Preparation extends LaunchAuthBinding {
  id: string;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

/** At most this many live preparations ride on one value (a bound on the record's size). */
const MAX_PREPARATIONS = 16;
// randomToken() yields 43 base64url characters; any other shape was never minted here
const VALUE = /^[A-Za-z0-9_-]{43}$/;

const key = (hash: string) => `launch-auth:${hash}`;

async function preparationsOf(dva: DvaAuth, request: FastifyRequest): Promise<Preparation[] | undefined> {
  const value = request.cookies[LAUNCH_AUTH_COOKIE];
  if (!value || !VALUE.test(value)) return undefined;
  const record = await dva.store.get<{ preparations: Preparation[] }>(key(sha256b64url(value)));
  const now = systemClock();
  return record?.preparations.filter((p) => p.exp > now);
}

/** Mints a fresh cookie value bound to this preparation (and the browser's live ones); returns the preparation id the launch context records. */
export async function setLaunchAuthCookie(dva: DvaAuth, request: FastifyRequest, reply: FastifyReply, binding: LaunchAuthBinding): Promise<string> {
  const ttl = dva.config.LAUNCH_COOKIE_TTL;
  const carried = (await preparationsOf(dva, request)) ?? [];
  const preparation: Preparation = { id: randomToken(), sub: binding.sub, audience: binding.audience, exp: systemClock() + ttl };
  const preparations = [...carried.slice(-(MAX_PREPARATIONS - 1)), preparation];
  const value = randomToken(); // docs/decisions.md I45: never the value the request carried
  await dva.store.set(key(sha256b64url(value)), { preparations }, ttl);
  reply.setCookie(LAUNCH_AUTH_COOKIE, value, { path: '/', httpOnly: true, sameSite: 'lax', secure: true, maxAge: ttl });
  return preparation.id;
}

/**
 * `match` when this browser holds a cookie the DVA minted that carries the launch's preparation,
 * still live and bound to the launch's person and module; `absent` when it holds none, or one the
 * DVA does not know (expired, or never minted here); `other` when its cookie carries other preparations.
 */
export async function checkLaunchAuthCookie(dva: DvaAuth, request: FastifyRequest, expected: LaunchAuthBinding & { correlation?: string }): Promise<'match' | 'absent' | 'other'> {
  const preparations = await preparationsOf(dva, request);
  if (!preparations?.length) return 'absent';
  const found = expected.correlation === undefined ? undefined : preparations.find((p) => p.id === expected.correlation);
  return found?.sub === expected.sub && found.audience === expected.audience ? 'match' : 'other';
}
