import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomToken, sha256b64url } from '@koppelmij/core';
import type { DvaAuth } from './context.ts';

/**
 * The "Module DVA Authentication cookie" (spec §3.1.1 W4, W13; decision D7): set in the
 * browser that did the PGO's launch preparation, checked when the module's /authorize arrives.
 * The value is 256 random bits that identify the browser for 3 minutes; the store keeps only its
 * hash, with one binding per prepared launch (person and module), so one browser may prepare
 * several launches at once.
 *
 * [impl] Path `/interaction`: the DVA checks it on its interaction pages, where both W4 and W13
 * are handled (the spec's suggested `/authorize` would never reach them). `SameSite=Lax`
 * because the module's /authorize is a top-level cross-site navigation; `HttpOnly`; `Secure`
 * when the DVA runs on https (the `__Host-` prefix would need `Path=/`).
 */
export const LAUNCH_AUTH_COOKIE = 'dva_launch_auth';

export interface LaunchAuthBinding {
  sub: string;
  /** The module client_id (the launch preparation's `audience`). */
  audience: string;
}

const key = (hash: string, audience: string) => `launch-auth:${hash}:${audience}`;

/** Sets (or renews) the cookie and binds this launch to it; returns the hash the launch context records. */
export async function setLaunchAuthCookie(dva: DvaAuth, request: FastifyRequest, reply: FastifyReply, binding: LaunchAuthBinding): Promise<string> {
  const present = request.cookies[LAUNCH_AUTH_COOKIE];
  const value = present && /^[A-Za-z0-9_-]{43}$/.test(present) ? present : randomToken();
  const hash = sha256b64url(value);
  await dva.store.set(key(hash, binding.audience), { sub: binding.sub }, dva.config.LAUNCH_COOKIE_TTL);
  reply.setCookie(LAUNCH_AUTH_COOKIE, value, {
    path: '/interaction',
    httpOnly: true,
    sameSite: 'lax',
    secure: dva.config.DVA_AUTH_URL.startsWith('https:'),
    maxAge: dva.config.LAUNCH_COOKIE_TTL,
  });
  return hash;
}

/**
 * `match` when this browser holds the cookie the launch was prepared with, still bound to the
 * launch's person and module (the binding is then used up); `absent` when it holds none, or one
 * that expired; `other` when it holds the cookie of a different preparation.
 */
export async function checkLaunchAuthCookie(dva: DvaAuth, request: FastifyRequest, expected: LaunchAuthBinding & { correlation?: string }): Promise<'match' | 'absent' | 'other'> {
  const value = request.cookies[LAUNCH_AUTH_COOKIE];
  if (!value) return 'absent';
  const hash = sha256b64url(value);
  if (expected.correlation === undefined || hash !== expected.correlation) return 'other';
  const binding = await dva.store.take<{ sub: string }>(key(hash, expected.audience));
  if (!binding) return 'absent'; // older than 3 minutes, or used
  return binding.sub === expected.sub ? 'match' : 'other';
}
