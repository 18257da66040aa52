/**
 * Reading request parameters at the edge: a repeated parameter is an error (RFC 6749 §3.1),
 * and path values must match their grammar before they are used as store keys or in URLs.
 */
import type { FastifyRequest } from 'fastify';
import { BadRequest, Forbidden, NotFound } from './errors.ts';
import type { DossierRef, Session } from './session.ts';

const BSN = /^[0-9]{9}$/;

/**
 * One query parameter: undefined when absent or empty (RFC 6749 §3.1 "treated as if they were
 * omitted").
 *
 * @throws {BadRequest} the parameter is repeated (RFC 6749 §3.1)
 */
export function queryParam(request: FastifyRequest, name: string): string | undefined {
  const value = (request.query as Record<string, unknown> | undefined)?.[name];
  if (Array.isArray(value)) throw new BadRequest(`De parameter "${name}" komt meer dan eens voor.`);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A path parameter as a string ('' when absent). */
export function pathParam(request: FastifyRequest, name: string): string {
  const value = (request.params as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
}

/**
 * The session and the dossier `bsn` names, when the logged-in session may open it.
 *
 * @throws {Forbidden} nobody is logged in
 * @throws {NotFound} the session has no such dossier (the same answer for "not yours" and "none")
 */
export function requireDossier(session: Session | undefined, bsn: string): { session: Session; dossier: DossierRef } {
  if (!session?.data.user) throw new Forbidden('Log eerst in.');
  const dossier = BSN.test(bsn) ? session.data.dossiers.find((d) => d.bsn === bsn) : undefined;
  if (!dossier) throw new NotFound('Dit dossier bestaat niet.');
  return { session, dossier };
}
