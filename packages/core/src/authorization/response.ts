/**
 * The client's reading of an authorization response (RFC 6749 §4.1.2), one rule for every
 * client: the `state` of this browser's request, the issuer the request went to (RFC 9207),
 * the authorization server's error, and exactly one `code`. Like oauth4webapi's
 * `validateAuthResponse`; the caller redeems the code only after this returned.
 */
import { oauthErrorCode } from '../errors/error-code.ts';
import { timingSafeEqualString } from '../util/random.ts';
import {
  AuthorizationErrorResponse, InvalidAuthorizationResponse, IssuerMismatch, IssuerMissing, StateMismatch,
} from './errors.ts';

/** The response's query: `URLSearchParams`, or a parsed query object whose repeated names hold arrays. */
export type AuthorizationResponseParams = URLSearchParams | Readonly<Record<string, unknown>>;

export interface ExpectedAuthorizationResponse {
  /** The `state` this browser's request sent. */
  state: string;
  /** The issuer identifier of the authorization server the request went to (RFC 9207 §2.4). */
  issuer: string;
  /**
   * RFC 9207 §2.4: the authorization server's metadata says `authorization_response_iss_parameter_supported`;
   * a response without `iss` is then refused.
   */
  issRequired: boolean;
}

export interface AuthorizationResponse {
  code: string;
  state: string;
  iss?: string;
}

/**
 * The one `state` of a response, for a client that finds its pending request by it.
 *
 * @throws {StateMismatch} no `state`
 * @throws {InvalidAuthorizationResponse} `state` repeated
 */
export function authorizationResponseState(params: AuthorizationResponseParams): string {
  const state = single(params, 'state');
  if (state === undefined) throw new StateMismatch('the authorization response carries no state'); // RFC 6749 §4.1.2
  return state;
}

/**
 * Checks an authorization response in this order: state, issuer, error, code.
 *
 * @throws {StateMismatch} RFC 6749 §10.12
 * @throws {IssuerMismatch} / {IssuerMissing} RFC 9207 §2.4
 * @throws {AuthorizationErrorResponse} RFC 6749 §4.1.2.1: the authorization server's refusal
 * @throws {InvalidAuthorizationResponse} RFC 6749 §3.1, §4.1.2
 */
export function readAuthorizationResponse(params: AuthorizationResponseParams, expected: ExpectedAuthorizationResponse): AuthorizationResponse {
  const state = authorizationResponseState(params);
  // RFC 6749 §10.12: the request's state, compared in constant time
  if (!timingSafeEqualString(state, expected.state)) throw new StateMismatch('the authorization response is for another request');

  const iss = single(params, 'iss');
  // RFC 9207 §2.4: compare `iss` with the issuer the request went to (simple string comparison, RFC 3986 §6.2.1)
  if (iss !== undefined && iss !== expected.issuer) throw new IssuerMismatch('the authorization response comes from another issuer');
  if (iss === undefined && expected.issRequired) throw new IssuerMissing('the authorization response carries no iss');

  const error = single(params, 'error');
  const code = single(params, 'code');
  if (error !== undefined) {
    // RFC 6749 §4.1.2.1: an error response carries no code
    if (code !== undefined) throw new InvalidAuthorizationResponse('the authorization response carries both code and error');
    throw new AuthorizationErrorResponse(oauthErrorCode(error) ?? 'invalid_request', single(params, 'error_description'));
  }
  if (code === undefined) throw new InvalidAuthorizationResponse('the authorization response carries no code'); // RFC 6749 §4.1.2
  return { code, state, ...(iss !== undefined && { iss }) };
}

// RFC 6749 §3.1: a parameter without a value is as if omitted; one sent twice is an error
function single(params: AuthorizationResponseParams, name: string): string | undefined {
  const values = params instanceof URLSearchParams ? params.getAll(name) : list(params[name]);
  if (values.length > 1) throw new InvalidAuthorizationResponse(`the authorization response repeats ${name}`);
  const value = values[0];
  if (value !== undefined && typeof value !== 'string') throw new InvalidAuthorizationResponse(`the authorization response's ${name} is not text`);
  return value === '' ? undefined : value;
}

function list(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}
