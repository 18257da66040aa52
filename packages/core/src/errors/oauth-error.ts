/**
 * One OAuth error type, serialised per RFC 6749 §5.2 for authorization servers and as a
 * `WWW-Authenticate` challenge (RFC 6750 §3, RFC 9449 §7.1) for resource servers.
 *
 * Each subclass is named after the error code it carries, so a caller can
 * `catch (e) { if (e instanceof InvalidDpopProof) … }` the way jose's error classes work.
 */

/** Error codes used in this project, with the document that registers each. */
export type OAuthErrorCode =
  | 'invalid_request' // RFC 6749 §5.2
  | 'invalid_client' // RFC 6749 §5.2
  | 'invalid_grant' // RFC 6749 §5.2
  | 'unauthorized_client' // RFC 6749 §5.2
  | 'unsupported_grant_type' // RFC 6749 §5.2
  | 'invalid_scope' // RFC 6749 §5.2
  | 'access_denied' // RFC 6749 §4.1.2.1
  | 'invalid_target' // RFC 8693 §2.2.2, RFC 8707 §2
  | 'invalid_dpop_proof' // RFC 9449 §5, §7.1
  | 'use_dpop_nonce' // RFC 9449 §8, §9
  | 'invalid_token' // RFC 6750 §3.1
  | 'insufficient_scope' // RFC 6750 §3.1
  | 'step_up_required' // Koppelmij 3a-P (docs/protocol.md §3.1.2 step 3)
  | 'server_error'; // RFC 6749 §4.1.2.1

export interface OAuthErrorBody {
  error: OAuthErrorCode;
  error_description?: string;
}

export interface OAuthErrorOptions {
  /** Overrides the default HTTP status of the code. */
  status?: number;
  /** A fresh server nonce to send as `DPoP-Nonce` (RFC 9449 §8, §9). */
  dpopNonce?: string;
  cause?: unknown;
}

export class OAuthError extends Error {
  readonly error: OAuthErrorCode;
  readonly error_description: string | undefined;
  readonly status: number;
  readonly dpopNonce: string | undefined;

  constructor(error: OAuthErrorCode, description?: string, options: OAuthErrorOptions = {}) {
    super(description ?? error, { cause: options.cause });
    this.name = new.target.name;
    this.error = error;
    this.error_description = description;
    this.status = options.status ?? defaultStatus(error);
    this.dpopNonce = options.dpopNonce;
  }

  /** The RFC 6749 §5.2 JSON body. */
  toJSON(): OAuthErrorBody {
    return this.error_description === undefined
      ? { error: this.error }
      : { error: this.error, error_description: this.error_description };
  }

  /**
   * A resource-server challenge, e.g.
   * `DPoP error="invalid_token", error_description="…", algs="ES256 EdDSA"` (RFC 9449 §7.1).
   */
  toWwwAuthenticate(scheme: 'DPoP' | 'Bearer', params: { realm?: string; algs?: readonly string[] } = {}): string {
    return wwwAuthenticate(scheme, { ...params, error: this.error, error_description: this.error_description });
  }
}

/**
 * Builds a `WWW-Authenticate` value. Without `error` it is the bare challenge that
 * RFC 6750 §3 and RFC 9449 §7.1 send when no credentials were presented.
 */
export function wwwAuthenticate(
  scheme: 'DPoP' | 'Bearer',
  params: { realm?: string; algs?: readonly string[]; error?: string; error_description?: string | undefined; scope?: string },
): string {
  const parts: string[] = [];
  if (params.realm) parts.push(`realm=${quote(params.realm)}`);
  if (params.error) parts.push(`error=${quote(params.error)}`);
  if (params.error_description) parts.push(`error_description=${quote(params.error_description)}`);
  if (params.scope) parts.push(`scope=${quote(params.scope)}`);
  if (scheme === 'DPoP' && params.algs?.length) parts.push(`algs=${quote(params.algs.join(' '))}`);
  return parts.length ? `${scheme} ${parts.join(', ')}` : scheme;
}

// RFC 9110 §5.6.4 quoted-string; RFC 6750 §3 forbids '"' and '\' in the values, so drop them.
function quote(value: string): string {
  return `"${value.replace(/["\\]/g, '')}"`;
}

function defaultStatus(error: OAuthErrorCode): number {
  switch (error) {
    case 'invalid_client':
    case 'invalid_token':
      return 401;
    case 'insufficient_scope':
    case 'access_denied':
      return 403;
    case 'server_error':
      return 500;
    default:
      return 400;
  }
}

/* One class per code, named after the spec's code. */
export class InvalidRequest extends OAuthError {
  constructor(d?: string, o?: OAuthErrorOptions) { super('invalid_request', d, o); }
}
export class InvalidClient extends OAuthError {
  constructor(d?: string, o?: OAuthErrorOptions) { super('invalid_client', d, o); }
}
export class InvalidGrant extends OAuthError {
  constructor(d?: string, o?: OAuthErrorOptions) { super('invalid_grant', d, o); }
}
export class UnauthorizedClient extends OAuthError {
  constructor(d?: string, o?: OAuthErrorOptions) { super('unauthorized_client', d, o); }
}
export class UnsupportedGrantType extends OAuthError {
  constructor(d?: string, o?: OAuthErrorOptions) { super('unsupported_grant_type', d, o); }
}
export class InvalidScope extends OAuthError {
  constructor(d?: string, o?: OAuthErrorOptions) { super('invalid_scope', d, o); }
}
export class AccessDenied extends OAuthError {
  constructor(d?: string, o?: OAuthErrorOptions) { super('access_denied', d, o); }
}
export class InvalidTarget extends OAuthError {
  constructor(d?: string, o?: OAuthErrorOptions) { super('invalid_target', d, o); }
}
export class InvalidDpopProof extends OAuthError {
  constructor(d?: string, o?: OAuthErrorOptions) { super('invalid_dpop_proof', d, o); }
}
/** RFC 9449 §8 (AS, 400) and §9 (RS, 401): the caller must retry with the nonce in `dpopNonce`. */
export class UseDpopNonce extends OAuthError {
  constructor(nonce: string, o: Omit<OAuthErrorOptions, 'dpopNonce'> & { description?: string } = {}) {
    const { description, ...options } = o;
    super('use_dpop_nonce', description ?? 'Authorization server requires nonce in DPoP proof', { ...options, dpopNonce: nonce });
  }
}
export class InvalidToken extends OAuthError {
  constructor(d?: string, o?: OAuthErrorOptions) { super('invalid_token', d, o); }
}
export class InsufficientScope extends OAuthError {
  constructor(d?: string, o?: OAuthErrorOptions) { super('insufficient_scope', d, o); }
}
export class StepUpRequired extends OAuthError {
  constructor(d?: string, o?: OAuthErrorOptions) { super('step_up_required', d, o); }
}
