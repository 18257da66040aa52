/**
 * Options 2a and 2b on the module's side (docs/protocol.md §3.3 steps 11–12, §3.4 steps 10–13;
 * docs/option-2a-2b.md): the PGO was the authorization server; the token to use comes from the
 * DVA. 2a: the PGO's answer already carries it, with the DVA FHIR base as `aud`. 2b: the answer
 * carries a temporary token, which the module exchanges at the DVA itself, with its own
 * assertion as `actor_token` and a DPoP proof.
 */
import { createClientAssertion, type ClientAssertionAlgorithm } from '@koppelmij/core/client-auth';
import type { DpopKey } from '@koppelmij/core/dpop';
import { GRANT_TYPE_TOKEN_EXCHANGE, TOKEN_TYPE } from '@koppelmij/core/token-exchange';
import type { SmartMetadata } from './discovery.ts';
import type { ModuleRegistration } from './registrations.ts';
import type { ModuleRuntime } from './runtime.ts';
import { isDelegation, tokenRequest, type AuthorizationServerClient, type TokenResponse } from './smart-client.ts';

/** The PGO's or the DVA's answer is not one the module can use; never shown beyond a generic message. */
export class DelegationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DelegationError';
  }
}

/** Where the launch goes on: the token for the FHIR server, that server, and its authorization server's metadata. */
export interface DelegatedTokens {
  tokens: TokenResponse;
  /** The FHIR base the token is for (the DVA's, never the PGO's). */
  fhirBase: string;
  /** The DVA's SMART configuration: revocation goes there (docs/protocol.md §4.6). */
  smart: SmartMetadata;
}

/**
 * The token the module works with after the code grant at `launchSmart`'s token endpoint: for
 * 3a the answer itself; for 2a and 2b the DVA's DPoP-bound delegation token.
 *
 * @throws DelegationError for an answer the module refuses; TokenEndpointError when the DVA refuses the exchange.
 */
export async function delegatedTokens(
  runtime: ModuleRuntime,
  registration: ModuleRegistration,
  answer: TokenResponse,
  launch: { iss: string; smart: SmartMetadata },
  key: DpopKey,
): Promise<DelegatedTokens> {
  if (!isDelegation(registration)) return { tokens: answer, fhirBase: launch.iss, smart: launch.smart };
  if (registration.launchOption === '2a') {
    // docs/protocol.md §3.3 step 11: the non-standard `aud` names the FHIR server; step 12: only with DPoP
    const fhirBase = await trustedFhirServer(runtime, answer.aud, launch.iss);
    requireDpop(answer);
    return { tokens: answer, fhirBase, smart: await runtime.discovery.smartConfiguration(fhirBase) };
  }
  // docs/protocol.md §3.4 step 10: the temporary token, where to exchange it, and for which FHIR server
  const fhirBase = await trustedFhirServer(runtime, answer.resource_server, launch.iss);
  const smart = await runtime.discovery.smartConfiguration(fhirBase);
  // the module sends its assertion only to the token endpoint the FHIR server itself names
  if (answer.token_exchange_endpoint !== smart.token_endpoint) {
    throw new DelegationError('token_exchange_endpoint is not the FHIR server’s token endpoint');
  }
  const tokens = await exchangeTemporaryToken(runtime.asClient(registration, smart, key), answer.access_token);
  requireDpop(tokens);
  return { tokens, fhirBase, smart };
}

/**
 * docs/protocol.md §3.4 step 11 (RFC 8693 §2.1): `subject_token` = the temporary token, `actor_token` = a
 * fresh assertion for the DVA's token endpoint with the DPoP key's `cnf.jkt`, with client
 * authentication and a DPoP proof (nonce retry included, RFC 9449 §8).
 */
export function exchangeTemporaryToken(client: AuthorizationServerClient, temporaryToken: string): Promise<TokenResponse> {
  const { registration, signingKey, smart } = client;
  return tokenRequest(client, async () => ({
    grant_type: GRANT_TYPE_TOKEN_EXCHANGE,
    subject_token: temporaryToken,
    subject_token_type: TOKEN_TYPE.TEMPORARY_EXCHANGE_TOKEN,
    actor_token: await createClientAssertion({
      clientId: registration.clientId,
      audience: smart.token_endpoint, // docs/decisions-protocol.md D1
      privateKey: signingKey.privateKey,
      alg: signingKey.alg as ClientAssertionAlgorithm,
      kid: signingKey.kid,
      cnf: { jkt: client.dpop.key.jkt },
    }),
    actor_token_type: TOKEN_TYPE.JWT,
    requested_token_type: TOKEN_TYPE.ACCESS_TOKEN,
  }));
}

/** docs/protocol.md §8 item 29 for the token's server: a FHIR base the module is registered with, and not the PGO's own. */
async function trustedFhirServer(runtime: ModuleRuntime, value: unknown, launchIss: string): Promise<string> {
  const fhirBase = typeof value === 'string' ? value.replace(/\/+$/, '') : undefined;
  if (fhirBase === undefined || fhirBase === launchIss || !runtime.config.trustedIssuers.includes(fhirBase)) {
    throw new DelegationError('the token names no FHIR server this module is registered with');
  }
  return fhirBase;
}

// RFC 9449 §5: "DPoP is mandatory" in both options (docs/protocol.md §3.3 step 5); a Bearer token is refused.
function requireDpop(tokens: TokenResponse): void {
  if (tokens.token_type.toLowerCase() !== 'dpop') throw new DelegationError('the delegation token is not DPoP-bound');
}
