// The start every launch of a module shares, the EHR launch (W10–W12) and the standalone launch
// of level S alike: a trusted `iss`, its SMART configuration, the pending launch in this browser's
// session, and the redirect to the authorization endpoint.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomToken } from '@koppelmij/core';
import { generateLaunchDpopKey } from './dpop.ts';
import { ModuleError } from './errors.ts';
import type { ModuleRegistration } from './registrations.ts';
import type { ModuleRuntime } from './runtime.ts';
import { authorizationUrl, createPkce } from './smart-client.ts';

/**
 * The launch's `iss` if it is a FHIR server this module is registered with.
 *
 * @throws ModuleError otherwise: spec W10 [impl], §8 item 29, never an arbitrary AS
 */
export function trustedIssuer(runtime: ModuleRuntime, iss: string): string {
  const trusted = runtime.config.trustedIssuers.find((candidate) => candidate === iss.replace(/\/+$/, ''));
  if (trusted === undefined) throw new ModuleError(400, 'Deze module is niet aangemeld bij de FHIR-server die de start noemt.');
  return trusted;
}

/**
 * W11–W12: reads `iss`'s SMART configuration, keeps the pending launch (state, PKCE verifier,
 * nonce, DPoP key) in this browser's session and redirects to the authorization endpoint. With
 * `launch` an EHR launch; without it a standalone launch (level S, spec §5).
 *
 * @throws ModuleError when the SMART configuration cannot be read
 */
export async function redirectToAuthorization(
  runtime: ModuleRuntime,
  request: FastifyRequest,
  reply: FastifyReply,
  registration: ModuleRegistration,
  iss: string,
  launch?: string,
): Promise<FastifyReply> {
  const smart = await runtime.discovery.smartConfiguration(iss).catch((error: unknown) => {
    throw new ModuleError(502, 'De SMART-configuratie van de FHIR-server kon niet worden gelezen.', { cause: error });
  });
  const sid = await runtime.sessions.ensure(request, reply);
  const state = randomToken(); // RFC 6749 §10.12: unguessable, bound to this browser's session
  const { code_verifier, code_challenge } = createPkce();
  // OIDC Core §3.1.2.1: a nonce binds the id_token to this request
  const nonce = registration.scope.split(' ').includes('openid') ? randomToken() : undefined;
  const { privateJwk } = await generateLaunchDpopKey();
  await runtime.sessions.savePending(sid, state, {
    clientId: registration.clientId,
    iss,
    code_verifier,
    ...(nonce !== undefined && { nonce }),
    dpopJwk: privateJwk,
    smart,
    ...(launch === undefined && { standalone: true as const }),
  });
  const location = authorizationUrl(smart, { registration, state, iss, ...(launch !== undefined && { launch }), code_challenge, ...(nonce !== undefined && { nonce }) });
  return reply.redirect(location, 302);
}
