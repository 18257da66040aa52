/**
 * Why a client refuses an authorization response. Each class carries a `code` (as jose's errors
 * do), so a caller can `catch` one kind or show the code; none carries the response's values.
 */

export type AuthorizationResponseErrorCode =
  | 'invalid_authorization_response'
  | 'state_mismatch'
  | 'issuer_mismatch'
  | 'issuer_missing'
  | 'authorization_error';

export abstract class AuthorizationResponseError extends Error {
  abstract readonly code: AuthorizationResponseErrorCode;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A parameter repeated (RFC 6749 §3.1), no `code`, or a `code` beside an `error` (RFC 6749 §4.1.2). */
export class InvalidAuthorizationResponse extends AuthorizationResponseError {
  readonly code = 'invalid_authorization_response';
}

/** RFC 6749 §10.12: no `state`, or another than the request's. */
export class StateMismatch extends AuthorizationResponseError {
  readonly code = 'state_mismatch';
}

/** RFC 9207 §2.4: `iss` names another issuer than the one the request went to (mix-up, RFC 9700 §4.4). */
export class IssuerMismatch extends AuthorizationResponseError {
  readonly code = 'issuer_mismatch';
}

/** RFC 9207 §2.4: the authorization server advertises `authorization_response_iss_parameter_supported`, yet `iss` is missing. */
export class IssuerMissing extends AuthorizationResponseError {
  readonly code = 'issuer_missing';
}

/**
 * RFC 6749 §4.1.2.1: the authorization server refused. `error` is its code when that has RFC 6749
 * syntax, else `invalid_request`; `error_description` is its text, never to be shown as markup.
 */
export class AuthorizationErrorResponse extends AuthorizationResponseError {
  readonly code = 'authorization_error';
  readonly error: string;
  readonly error_description: string | undefined;

  constructor(error: string, error_description: string | undefined) {
    super(`authorization server refused: ${error}`);
    this.error = error;
    this.error_description = error_description;
  }
}
