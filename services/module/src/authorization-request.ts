// The start every launch of a module shares, the EHR launch (W10–W12) and the standalone launch
// of level S alike: a trusted `iss`, its SMART configuration, the pending launch in this browser's
// session, and the redirect to the authorization endpoint.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { authorizationUrl, startAuthorization } from '@koppelmij/core/authorization';
import type { AuthorizationServer, SmartMetadata } from './discovery.ts';
import { generateLaunchDpopKey } from './dpop.ts';
import { ModuleError } from './errors.ts';
import type { ModuleRegistration } from './registrations.ts';
import type { ModuleRuntime } from './runtime.ts';

/**
 * The launch's `iss` if it is a FHIR server this module is registered with.
 *
 * @throws ModuleError otherwise: docs/protocol.md §3.1.1 W10 [impl], §8 item 29, never an arbitrary AS
 */
export function trustedIssuer(runtime: ModuleRuntime, iss: string): string {
  const trusted = runtime.config.trustedIssuers.find((candidate) => candidate === iss.replace(/\/+$/, ''));
  if (trusted === undefined) throw new ModuleError(400, 'Deze module is niet aangemeld bij de FHIR-server die de start noemt.');
  return trusted;
}

/**
 * W11–W12: reads `iss`'s SMART configuration, keeps the pending launch (state, PKCE verifier,
 * nonce, DPoP key) in this browser's session and redirects to the authorization endpoint. With
 * `launch` an EHR launch; without it a standalone launch (level S, docs/protocol.md §5).
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
  const { smart, authorizationServer } = await discover(runtime, iss);
  const sid = await runtime.sessions.ensure(request, reply);
  // RFC 6749 §4.1.1, RFC 7636 §4.3; SMART App Launch 2.x: `aud` is the FHIR base the launch named (docs/protocol.md §3.1.1 W12)
  const { params, state, code_verifier, nonce } = startAuthorization({
    client_id: registration.clientId,
    redirect_uri: registration.redirectUri,
    scope: registration.scope,
    params: { aud: iss, launch },
    // OIDC Core §3.1.2.1: a nonce binds the id_token to this request
    nonce: registration.scope.split(' ').includes('openid'),
  });
  const { privateJwk } = await generateLaunchDpopKey();
  await runtime.sessions.savePending(sid, state, {
    clientId: registration.clientId,
    iss,
    code_verifier,
    ...(nonce !== undefined && { nonce }),
    dpopJwk: privateJwk,
    smart,
    authorizationServer, // RFC 9207 §2.4: the issuer this request goes to
    ...(launch === undefined && { standalone: true as const }),
  });
  return reply.redirect(authorizationUrl(smart.authorization_endpoint, params), 302);
}

/** W11: the SMART configuration of `iss`, and the authorization server behind it (RFC 9207 §2.4 needs its issuer). */
async function discover(runtime: ModuleRuntime, iss: string): Promise<{ smart: SmartMetadata; authorizationServer: AuthorizationServer }> {
  try {
    const smart = await runtime.discovery.smartConfiguration(iss);
    return { smart, authorizationServer: await runtime.discovery.authorizationServer(smart) };
  } catch (error) {
    throw new ModuleError(502, 'De SMART-configuratie van de FHIR-server kon niet worden gelezen.', { cause: error });
  }
}
