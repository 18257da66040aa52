import type { FastifyInstance } from 'fastify';
import type Provider from 'oidc-provider';
import { COOKIE_NAMES } from './provider.ts';

const RESUME = /^\/auth\/([\w-]{1,64})(?:\?|$)/;

/**
 * No single sign-on (provider.ts): a resume `/auth/<uid>` belongs to its own authorization
 * request. The session cookie's path `/auth/` keeps it from a new `/auth` request, but it does
 * path-match every later request's resume (RFC 6265 §5.1.4). There oidc-provider would find the
 * previous login's session, see another account (a representative who now acts for someone
 * else) and interpose a logout confirmation that needs script. An interaction that began without
 * a session therefore resumes without one: the older session cookie is left out of the request
 * before oidc-provider reads it, and the login gets a session of its own.
 */
export function resumeWithoutStaleSession(app: FastifyInstance, provider: Provider): void {
  const stale = new Set([COOKIE_NAMES.session, `${COOKIE_NAMES.session}.sig`]);
  app.addHook('onRequest', async (request) => {
    const uid = RESUME.exec(request.url)?.[1];
    const cookie = request.raw.headers.cookie;
    if (uid === undefined || cookie === undefined) return;
    const interaction = await provider.Interaction.find(uid);
    if (!interaction || interaction.session !== undefined) return;
    request.raw.headers.cookie = cookie
      .split(';')
      .filter((pair) => !stale.has(pair.split('=')[0]!.trim()))
      .join(';');
  });
}
