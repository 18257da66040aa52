import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  AuthorizationErrorResponse, AuthorizationResponseError, authorizationResponseState, readAuthorizationResponse,
} from '@koppelmij/core/authorization';
import { redirectToAuthorization, trustedIssuer } from './authorization-request.ts';
import { importDpopKey } from './dpop.ts';
import { ModuleError } from './errors.ts';
import { InvalidIdToken } from './id-token.ts';
import type { ModuleRuntime } from './runtime.ts';
import type { ModuleContext, PendingLaunch } from './session.ts';
import { delegatedTokens, type DelegatedTokens } from './delegation.ts';
import { exchangeCode, TokenEndpointError, type TokenResponse } from './smart-client.ts';
import { readTokenContext } from './token-context.ts';
import { readStandaloneContext, standaloneLaunch } from './routes-standalone.ts';
import { launchSummary } from './launch-summary.ts';
import { refusal } from './refusal.ts';

type ClientParams = { Params: { client_id: string } };

// A repeated parameter arrives as an array and fails `z.string()`: one value each, or no launch.
const value = z.string().min(1).max(4096);
const launchQuery = z.object({ iss: value, launch: value });

/** W10–W12 (launch) and W15–W17 (callback). */
export function launchRoutes(app: FastifyInstance, runtime: ModuleRuntime): void {
  app.get<ClientParams>('/m/:client_id/launch', async (request, reply) => {
    const registration = runtime.registration(request.params.client_id);
    if (registration.standalone) return standaloneLaunch(runtime, request, reply, registration); // level S (docs/protocol.md §5)
    const query = launchQuery.safeParse(request.query);
    // docs/protocol.md §8 item 29: no flow without both iss and launch
    if (!query.success) throw new ModuleError(400, 'De start is onvolledig: er zijn zowel iss als launch nodig.');
    return redirectToAuthorization(runtime, request, reply, registration, trustedIssuer(runtime, query.data.iss), query.data.launch);
  });

  app.get<ClientParams>('/m/:client_id/callback', async (request, reply) => {
    const registration = runtime.registration(request.params.client_id);
    const { pending, code } = await readCallback(runtime, request, registration.clientId);
    const key = await importDpopKey(pending.dpopJwk);
    let delegated: DelegatedTokens;
    try {
      const answer = await exchangeCode(runtime.asClient(registration, pending.smart, key), code, pending.code_verifier);
      delegated = await delegatedTokens(runtime, registration, answer, pending, key); // options 2a/2b: the DVA's token
    } catch (cause) {
      const options = cause instanceof TokenEndpointError ? { code: cause.error, cause } : { cause };
      throw new ModuleError(502, 'Het tokenverzoek aan uw zorgaanbieder is mislukt.', options);
    }
    const { tokens, fhirBase, smart } = delegated;

    let context: ModuleContext;
    try {
      // levels S and PS (docs/protocol.md §5): the patient, no Task
      const launch = pending.standalone || registration.pgoDomain ? readStandaloneContext(tokens, fhirBase) : readTokenContext(tokens, fhirBase);
      const { claims, ...identity } = await verifyIdentity(runtime, registration.clientId, registration.scope, tokens, pending);
      context = {
        clientId: registration.clientId,
        iss: fhirBase,
        ...launch,
        accessToken: tokens.access_token,
        ...(tokens.refresh_token !== undefined && { refreshToken: tokens.refresh_token }),
        ...(tokens.expires_in !== undefined && { expiresAt: runtime.clock() + tokens.expires_in }),
        ...identity,
        dpopJwk: pending.dpopJwk,
        smart,
        launch: launchSummary(tokens, claims),
      };
    } catch (cause) {
      // a launch the module refuses leaves no live token behind
      await runtime.revokeAll(registration, { smart, accessToken: tokens.access_token, refreshToken: tokens.refresh_token }, request.log);
      throw new ModuleError(502, 'Het antwoord van uw zorgaanbieder kon niet worden aanvaard.', { cause });
    }
    // docs/protocol.md §8 item 32: the tokens stay in the server-side session; the browser gets a new session id only
    await runtime.sessions.establish(request, reply, context);
    return reply.redirect(`/m/${registration.clientId}/app`, 303);
  });
}

/**
 * docs/protocol.md §8 item 31: when `openid` was granted the id_token must be there (OIDC Core §3.1.3.3) and
 * verify against the DVA's JWKS; its `sub` and `fhirUser` are kept for display and audit.
 */
async function verifyIdentity(
  runtime: ModuleRuntime,
  clientId: string,
  requestedScope: string,
  tokens: TokenResponse,
  pending: PendingLaunch,
): Promise<{ sub?: string; fhirUser?: string; claims?: Record<string, unknown> }> {
  // RFC 6749 §5.1: an absent `scope` means the requested scope was granted
  const granted = (tokens.scope ?? requestedScope).split(' ').includes('openid');
  if (tokens.id_token === undefined) {
    if (granted) throw new InvalidIdToken('openid was granted but the token response has no id_token');
    return {};
  }
  const provider = await runtime.discovery.openIdProvider(pending.smart);
  const claims = await runtime.idTokens.verify(tokens.id_token, {
    provider,
    clientId,
    ...(pending.nonce !== undefined && { nonce: pending.nonce }),
  });
  return { sub: claims.sub, ...(claims.fhirUser !== undefined && { fhirUser: claims.fhirUser }), claims };
}

/**
 * W15: the pending launch of this browser and the code, once the response passed core's checks:
 * docs/protocol.md §8 item 30 and RFC 6749 §10.12 (this browser's `state`, single use), RFC 9207 §2.4 (the
 * issuer the request went to; mix-up), the authorization server's error, exactly one code.
 *
 * @throws ModuleError 400, before anything is redeemed
 */
async function readCallback(runtime: ModuleRuntime, request: FastifyRequest, clientId: string): Promise<{ pending: PendingLaunch; code: string }> {
  const query = (request.query ?? {}) as Record<string, unknown>;
  try {
    const state = authorizationResponseState(query);
    const pending = await runtime.sessions.takePending(request, state);
    if (pending === undefined || pending.clientId !== clientId) {
      throw new ModuleError(400, 'Dit antwoord hoort niet bij een start in deze browser.');
    }
    const { issuer, issRequired } = pending.authorizationServer;
    const { code } = readAuthorizationResponse(query, { state, issuer, issRequired });
    return { pending, code };
  } catch (error) {
    if (!(error instanceof AuthorizationResponseError)) throw error;
    // RFC 6749 §4.1.2.1: the authorization server refused; show its code, not its description
    // RFC 6749 §4.1.2.1: the authorization server refused; its code, and its description in plain words (docs/decisions.md I136)
    if (error instanceof AuthorizationErrorResponse) {
      const { message, description } = refusal(error.error, error.error_description);
      throw new ModuleError(400, message, { code: error.error, cause: error, ...(description !== undefined && { description }) });
    }
    throw new ModuleError(400, CALLBACK_REFUSED[error.code], { code: error.code, cause: error });
  }
}

const CALLBACK_REFUSED: Record<AuthorizationResponseError['code'], string> = {
  state_mismatch: 'Dit antwoord hoort niet bij een start in deze browser.',
  issuer_mismatch: 'Dit antwoord komt van een andere autorisatieserver dan die waarheen de start ging.',
  issuer_missing: 'Dit antwoord noemt niet de autorisatieserver waar het vandaan komt.',
  invalid_authorization_response: 'Het antwoord van de zorgaanbieder is niet goed opgebouwd.',
  authorization_error: 'Uw zorgaanbieder heeft de toegang geweigerd.',
};
