import { InvalidRequest, InvalidToken, wwwAuthenticate, type OAuthError } from '../errors/oauth-error.ts';

/**
 * No credentials were presented (RFC 6750 §3.1): the challenge then carries no error code, so
 * {@link MissingCredentials.toWwwAuthenticate} yields the bare `DPoP algs="…"` challenge.
 */
export class MissingCredentials extends InvalidToken {
  readonly credentialsPresented = false;

  constructor() {
    super('No access token was presented');
  }

  override toWwwAuthenticate(scheme: 'DPoP' | 'Bearer', params: { realm?: string; algs?: readonly string[] } = {}): string {
    return wwwAuthenticate(scheme, params);
  }
}

/**
 * The `WWW-Authenticate` value of a resource server's DPoP challenge (RFC 9449 §7.1): bare when
 * no credentials were presented (`error` undefined or {@link MissingCredentials}), otherwise with
 * `error` and `error_description`; `algs` lists the accepted proof algorithms.
 */
export function dpopChallenge(error: OAuthError | undefined, params: { algs: readonly string[]; realm?: string }): string {
  return error ? error.toWwwAuthenticate('DPoP', params) : wwwAuthenticate('DPoP', params);
}

export interface PresentedToken {
  scheme: 'DPoP' | 'Bearer';
  token: string;
}

// RFC 9110 §11.4 credentials = auth-scheme [ 1*SP token68 ]; RFC 9449 §7.1, RFC 6750 §2.1.
const CREDENTIALS = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) +([A-Za-z0-9\-._~+/]+=*)$/;

/**
 * Extracts the access token from the `Authorization` header(s) (docs/security-checklists.md §1.3 item 1):
 * exactly one header with one `DPoP` or `Bearer` credential, scheme name case-insensitive.
 *
 * @throws MissingCredentials when no DPoP or Bearer credentials were presented;
 *   InvalidRequest (400) for several headers or credentials, or a malformed value (RFC 9449 §7.2, RFC 6750 §3.1).
 */
export function presentedToken(authorization: string | readonly string[] | undefined): PresentedToken {
  const values = typeof authorization === 'string' ? [authorization] : (authorization ?? []);
  // RFC 9449 §7.2, RFC 6750 §3.1: more than one method of presenting a token is invalid_request
  if (values.length > 1) throw new InvalidRequest('Only one Authorization header is allowed');
  const value = values[0];
  if (value === undefined || value === '') throw new MissingCredentials();
  // a comma separates credentials folded into one field (RFC 9110 §11.6.2); token68 has none
  if (value.includes(',')) throw new InvalidRequest('Only one Authorization header is allowed');
  const scheme = /^\S+/.exec(value)?.[0].toLowerCase();
  if (scheme !== 'dpop' && scheme !== 'bearer') throw new MissingCredentials();
  const match = CREDENTIALS.exec(value);
  if (!match?.[2]) throw new InvalidRequest('The Authorization header is malformed');
  return { scheme: scheme === 'dpop' ? 'DPoP' : 'Bearer', token: match[2] };
}
