/**
 * The audit record of one data request: who (client, person pseudonym, actor chain), what, and
 * the outcome. Never a token, a proof or a query string (which may name a patient).
 */
import type { AccessTokenActor } from '@koppelmij/core/access-token';
import type { FastifyRequest } from 'fastify';

export interface AuditEvent {
  method: string;
  path: string;
  status: number;
  client_id?: string;
  /** The DVA's pseudonym of the person (architecture.md), never the BSN. */
  sub?: string;
  /** RFC 8693 §4.1: the current actor first, then prior actors. */
  act?: string[];
  patient?: string;
  kind?: string;
  scheme?: string;
}

/** Builds the {@link AuditEvent} of a finished request. */
export function auditEvent(request: FastifyRequest, status: number): AuditEvent {
  const claims = request.verified?.claims;
  const event: AuditEvent = { method: request.method, path: request.url.split('?')[0]!, status };
  if (!claims) return event;
  event.client_id = claims.client_id;
  event.sub = claims.sub;
  event.scheme = request.verified!.scheme;
  const chain = actorChain(claims.act);
  if (chain.length) event.act = chain;
  if (request.access) {
    event.kind = request.access.kind;
    if (request.access.patient) event.patient = request.access.patient;
  }
  return event;
}

/** RFC 8693 §4.1: the nested `act` claims as a list, current actor first; bounded so a hostile token cannot make the log large. */
export function actorChain(act: AccessTokenActor | undefined): string[] {
  const chain: string[] = [];
  for (let a = act; a && chain.length < 8; a = a.act) chain.push(typeof a.sub === 'string' ? a.sub : '?');
  return chain;
}
