/**
 * Integration level TL (docs/protocol.md §5: "a module without data sharing, after a task from the care
 * provider"): the PGO resolves the Task's Endpoint (W0) and opens `Endpoint.address` as it is.
 * No launch code and no token: the module gets nothing of the DVA's (docs/integration-levels.md).
 */
import type { FastifyReply } from 'fastify';

/** 303 to the Endpoint's address, which W0 has checked (https, or http on a loopback name). */
export function openTaskLink(reply: FastifyReply, address: string): FastifyReply {
  return reply.header('cache-control', 'no-store').redirect(address, 303);
}
