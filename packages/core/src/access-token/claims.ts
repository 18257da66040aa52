/** The `act` (actor) claim of a delegated token (RFC 8693 §4.1): the current actor, prior actors nested. */
export interface AccessTokenActor {
  sub: string;
  act?: AccessTokenActor;
  [claim: string]: unknown;
}

/**
 * The claims of a JWT access token (RFC 9068 §2.2), plus the confirmation (RFC 9449 §6.1) and
 * actor (RFC 8693 §4.1) claims and any extension such as SMART's `patient` or `fhirContext`.
 */
export interface AccessTokenClaims {
  iss: string;
  sub: string;
  /** The resource server(s) the token is meant for (RFC 9068 §2.2; RFC 8707). */
  aud: string | string[];
  exp: number;
  iat: number;
  jti: string;
  client_id: string;
  /** Space-separated scopes (RFC 9068 §2.2.3), when the grant has any. */
  scope?: string;
  /** The DPoP key the token is bound to (RFC 9449 §6.1). */
  cnf?: { jkt?: string; [member: string]: unknown };
  act?: AccessTokenActor;
  [claim: string]: unknown;
}
