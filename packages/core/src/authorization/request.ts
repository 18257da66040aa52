/**
 * The start of an authorization code flow (RFC 6749 §4.1.1) the way every Koppelmij client
 * starts one: an unguessable `state` (RFC 6749 §10.12), PKCE S256 (RFC 7636 §4.3) and, for
 * OpenID Connect, a `nonce` (OIDC Core §3.1.2.1). The caller keeps `state`, `code_verifier` and
 * `nonce` server-side, bound to the browser's session, and sends the browser to
 * {@link authorizationUrl} (or pushes `params`, RFC 9126).
 */
import { randomToken } from '../util/random.ts';
import { createPkce } from './pkce.ts';

export interface StartAuthorizationInput {
  client_id?: string;
  redirect_uri: string;
  scope?: string;
  /** Further request parameters (`aud`, `launch`, `audience`, `prompt`, `subject_token`, …); undefined ones are left out. */
  params?: Readonly<Record<string, string | undefined>>;
  /** OIDC Core §3.1.2.1: send a `nonce` that the id_token must echo. */
  nonce?: boolean;
}

export interface StartedAuthorization {
  /** The request parameters, ready for the authorization endpoint's query or a pushed request. */
  params: Record<string, string>;
  state: string;
  code_verifier: string;
  nonce?: string;
}

/** Fresh `state`, PKCE pair and optional `nonce`, and the request parameters that carry them. */
export function startAuthorization(input: StartAuthorizationInput & { nonce: true }): StartedAuthorization & { nonce: string };
export function startAuthorization(input: StartAuthorizationInput): StartedAuthorization;
export function startAuthorization(input: StartAuthorizationInput): StartedAuthorization {
  const state = randomToken(); // RFC 6749 §10.12: unguessable; bound to the session by the caller
  const pkce = createPkce();
  const nonce = input.nonce === true ? randomToken() : undefined;
  const extra = Object.entries(input.params ?? {}).filter((entry): entry is [string, string] => entry[1] !== undefined);
  // the extra parameters first: they can never replace the flow's own state, PKCE or nonce
  const params: Record<string, string> = {
    ...Object.fromEntries(extra),
    response_type: 'code',
    ...(input.client_id !== undefined && { client_id: input.client_id }),
    redirect_uri: input.redirect_uri,
    ...(input.scope !== undefined && { scope: input.scope }),
    state,
    code_challenge: pkce.code_challenge,
    code_challenge_method: pkce.code_challenge_method,
    ...(nonce !== undefined && { nonce }),
  };
  return { params, state, code_verifier: pkce.code_verifier, ...(nonce !== undefined && { nonce }) };
}

/** The authorization endpoint with `params` in its query; a query the endpoint already carries is kept (RFC 6749 §3.1). */
export function authorizationUrl(endpoint: string, params: Readonly<Record<string, string>>): string {
  const url = new URL(endpoint);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url.href;
}
