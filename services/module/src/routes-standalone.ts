import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { patientIdFromTokenResponse } from '@koppelmij/core/smart';
import { redirectToAuthorization, trustedIssuer } from './authorization-request.ts';
import { ModuleError } from './errors.ts';
import type { ModuleRegistration } from './registrations.ts';
import type { ModuleRuntime } from './runtime.ts';
import type { TokenResponse } from './smart-client.ts';
import { IncompleteLaunchContext, hasActor, type TokenContext } from './token-context.ts';

/*
 * Integration level S (docs/protocol.md §5; docs/integration-levels.md): the person starts the module on
 * their own, so there is no launch and no Task. This is SMART App Launch's standalone launch: the
 * module asks the DVA for `launch/patient` (its registered scope), the DVA logs the person in and
 * asks consent, and the token response names the patient. `iss` still has to be a FHIR server the
 * module is registered with (docs/protocol.md §8 item 29: never an arbitrary authorization server).
 */

// `launch` is no parameter of a standalone launch: one that carries it is not what it claims to be.
const standaloneQuery = z.object({ iss: z.string().min(1).max(4096) }).strict();

/** `GET /m/:client_id/launch?iss=…` of a level-S module: the standalone authorization request. */
export async function standaloneLaunch(runtime: ModuleRuntime, request: FastifyRequest, reply: FastifyReply, registration: ModuleRegistration): Promise<FastifyReply> {
  const query = standaloneQuery.safeParse(request.query);
  if (!query.success) throw new ModuleError(400, 'Een start op eigen initiatief noemt alleen de FHIR-server (iss).');
  return redirectToAuthorization(runtime, request, reply, registration, trustedIssuer(runtime, query.data.iss));
}

/**
 * The context of a standalone token response: the patient (SMART `launch/patient`), no Task.
 *
 * @throws IncompleteLaunchContext
 */
export function readStandaloneContext(tokens: TokenResponse, iss: string): Omit<TokenContext, 'task'> {
  const type = tokens.token_type.toLowerCase(); // RFC 6749 §5.1: case-insensitive
  if (type !== 'dpop' && type !== 'bearer') throw new IncompleteLaunchContext('unsupported token_type');
  const patient = patientIdFromTokenResponse(tokens, { fhirBase: iss });
  if (patient === undefined) throw new IncompleteLaunchContext('no single patient');
  // docs/identity-check-reference.md: a representative chose the person at the DVA's DigiD login (RFC 8693 §4.1 `act`)
  return { patient, tokenType: type === 'dpop' ? 'DPoP' : 'Bearer', ...(hasActor(tokens.act) && { representation: true as const }) };
}
