/**
 * The PGO's reading of every authorization response it receives (the collect, the launches of
 * options 1 and 3a, the 3a-P step-up, its own DigiD login) with core's one rule
 * (`readAuthorizationResponse`): this session's `state`, single use (docs/protocol.md §8 item 24, RFC 6749
 * §10.12, docs/decisions-protocol.md D12), the issuer the request went to (RFC 9207 §2.4), the server's error,
 * exactly one code. Nothing is redeemed before this returned.
 */
import type { FastifyRequest } from 'fastify';
import {
  AuthorizationErrorResponse, AuthorizationResponseError, authorizationResponseState, readAuthorizationResponse,
} from '@koppelmij/core/authorization';
import { BadRequest, Refused } from './errors.ts';
import type { Flow, Session, Sessions } from './session.ts';

export interface CallbackOptions<K extends Flow['kind']> {
  /** The flows this callback completes. */
  kinds: readonly K[];
  /** The issuer the request went to, and whether it advertises `authorization_response_iss_parameter_supported`. */
  issuer: string;
  issRequired: boolean;
  /** The answer to a `state` of no such flow in this session, e.g. "Dit antwoord hoort niet bij een ophaalactie die in deze browser begon." */
  foreign: string;
  /** The start of the answer to the server's refusal, e.g. "The care provider did not give access"; its code follows. */
  refused: string;
}

export interface Callback<K extends Flow['kind']> {
  session: Session | undefined;
  flow: Extract<Flow, { kind: K }>;
  code: string;
}

/**
 * The pending flow of this session and the response's code.
 *
 * @throws {BadRequest} any refusal, before anything is redeemed
 */
export async function readCallback<K extends Flow['kind']>(sessions: Sessions, request: FastifyRequest, options: CallbackOptions<K>): Promise<Callback<K>> {
  const query = (request.query ?? {}) as Record<string, unknown>;
  try {
    const state = authorizationResponseState(query);
    const session = await sessions.load(request);
    const flow = await sessions.takeFlow(session, state);
    if (flow === undefined || !(options.kinds as readonly string[]).includes(flow.kind)) throw new BadRequest(options.foreign);
    const { code } = readAuthorizationResponse(query, { state, issuer: options.issuer, issRequired: options.issRequired });
    return { session, flow: flow as Extract<Flow, { kind: K }>, code };
  } catch (error) {
    if (!(error instanceof AuthorizationResponseError)) throw error;
    // RFC 6749 §4.1.2.1: a refusal (e.g. consent denied) is no bad request (docs/decisions.md I136)
    if (error instanceof AuthorizationErrorResponse) throw new Refused(`${options.refused} (${error.error}).`);
    throw new BadRequest(REFUSED[error.code]);
  }
}

const REFUSED: Record<AuthorizationResponseError['code'], string> = {
  state_mismatch: 'Het antwoord heeft geen geldige state.',
  issuer_mismatch: 'Dit antwoord komt van een andere server dan die het werd gevraagd.',
  issuer_missing: 'Dit antwoord noemt niet de server waar het vandaan komt.',
  invalid_authorization_response: 'Het antwoord is niet goed opgebouwd: er ontbreekt een code of een parameter staat er dubbel in.',
  authorization_error: 'De server gaf geen toegang.',
};

/**
 * The DVA as the issuer of the PGO's authorization responses. The PGO knows its DVA by
 * configuration, not discovery; the DVA (oidc-provider) advertises
 * `authorization_response_iss_parameter_supported`, so `iss` is required (docs/decisions.md I66).
 */
export function dvaIssuer(config: { dvaAuthUrl: string }): { issuer: string; issRequired: true } {
  return { issuer: config.dvaAuthUrl, issRequired: true };
}
