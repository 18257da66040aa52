import { z } from 'zod';
import { oauthErrorCode } from '@koppelmij/core';
import { CLIENT_ASSERTION_TYPE, createClientAssertion, type ClientAssertionAlgorithm } from '@koppelmij/core/client-auth';
import type { DpopClient, DpopKey } from '@koppelmij/core/dpop';
import type { SigningKey } from '@koppelmij/service-kit';
import type { Fetch } from './dpop.ts';
import type { SmartMetadata } from './discovery.ts';
import type { ModuleRegistration } from './registrations.ts';

/** A token endpoint answer that is not a usable token response; `error` is the RFC 6749 §5.2 code or `invalid_response`. */
export class TokenEndpointError extends Error {
  readonly error: string;

  constructor(error: string) {
    super(`token endpoint: ${error}`);
    this.name = 'TokenEndpointError';
    this.error = error;
  }
}

/** RFC 6749 §5.1 members, plus whatever launch context the DVA adds (docs/protocol.md §4.3, §4.5): kept for the readers. */
const tokenResponse = z.looseObject({
  access_token: z.string().min(1),
  token_type: z.string().min(1),
  expires_in: z.number().int().positive().optional(),
  refresh_token: z.string().min(1).optional(),
  scope: z.string().optional(),
  id_token: z.string().min(1).optional(),
});

export type TokenResponse = z.infer<typeof tokenResponse>;

/** Everything a call to the authorization server needs. */
export interface AuthorizationServerClient {
  fetch: Fetch;
  smart: SmartMetadata;
  registration: ModuleRegistration;
  /** Signs `private_key_jwt` client assertions. */
  signingKey: SigningKey;
  /** The launch's DPoP key, proving every token request (RFC 9449 §5; docs/decisions-protocol.md D9). */
  dpop: DpopClient;
}

/** W16: the authorization-code grant (RFC 6749 §4.1.3, RFC 7636 §4.5) with a DPoP proof (RFC 9449 §5; docs/decisions-protocol.md D9). */
export function exchangeCode(client: AuthorizationServerClient, code: string, code_verifier: string): Promise<TokenResponse> {
  return tokenRequest(client, { grant_type: 'authorization_code', code, redirect_uri: client.registration.redirectUri, code_verifier });
}

/** RFC 6749 §6: a new access token for the same grant (docs/protocol.md §4.7 sliding session), proven with the same DPoP key. */
export function refreshTokens(client: AuthorizationServerClient, refresh_token: string): Promise<TokenResponse> {
  return tokenRequest(client, { grant_type: 'refresh_token', refresh_token });
}

/**
 * A token request with client authentication and a DPoP proof, retried once on a nonce challenge.
 * `grant` may be a function, for parameters that must be fresh on every attempt (an `actor_token`).
 */
export async function tokenRequest(client: AuthorizationServerClient, grant: Record<string, string> | (() => Promise<Record<string, string>>)): Promise<TokenResponse> {
  const url = client.smart.token_endpoint;
  const response = await client.dpop.fetch(
    url,
    async () => {
      const auth = await clientAuthentication(client);
      const params = typeof grant === 'function' ? await grant() : grant;
      return {
        method: 'POST',
        headers: { ...auth.headers, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({ ...params, ...auth.params }).toString(),
      };
    },
  );
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) throw new TokenEndpointError(errorCode(body));
  const parsed = tokenResponse.safeParse(body);
  if (!parsed.success) throw new TokenEndpointError('invalid_response');
  return parsed.data;
}

/**
 * RFC 7009 §2.1: revokes `token` at the revocation endpoint with the client's authentication
 * (docs/protocol.md §4.6 step 2). The endpoint comes from discovery, with docs/protocol.md §1.1's `{issuer}/revoke` as fallback.
 *
 * @returns true on 200 (RFC 7009 §2.2: also for a token that was already invalid).
 */
export async function revokeToken(
  client: Omit<AuthorizationServerClient, 'dpop'>,
  token: string,
  token_type_hint: 'access_token' | 'refresh_token',
): Promise<boolean> {
  const url = client.smart.revocation_endpoint ?? `${client.smart.issuer ?? new URL(client.smart.token_endpoint).origin}/revoke`;
  const auth = await clientAuthentication(client);
  const response = await client.fetch(url, {
    method: 'POST',
    headers: { ...auth.headers, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token, token_type_hint, ...auth.params }).toString(),
    redirect: 'error',
  });
  await response.body?.cancel();
  return response.status === 200;
}

/** The registration's client authentication for one request to the authorization server. */
async function clientAuthentication(
  client: Omit<AuthorizationServerClient, 'dpop'>,
): Promise<{ headers: Record<string, string>; params: Record<string, string> }> {
  const { registration } = client;
  if (registration.auth.method === 'client_secret_basic') {
    // RFC 6749 §2.3.1: client_id and secret are form-urlencoded before the Basic encoding
    const credentials = `${formEncode(registration.clientId)}:${formEncode(registration.auth.clientSecret)}`;
    return { headers: { authorization: `Basic ${Buffer.from(credentials).toString('base64')}` }, params: {} };
  }
  // RFC 7523 §2.2, §3; SMART client-confidential-asymmetric: `aud` is the token endpoint URL (docs/decisions-protocol.md D1),
  // also at the revocation endpoint, whose server accepts that audience for every endpoint.
  const client_assertion = await createClientAssertion({
    clientId: registration.clientId,
    audience: client.smart.token_endpoint,
    privateKey: client.signingKey.privateKey,
    alg: client.signingKey.alg as ClientAssertionAlgorithm,
    kid: client.signingKey.kid,
    // options 2a/2b and level PS, the PGO's clients: the assertion names the launch's DPoP key (docs/protocol.md §3.3 step 8; docs/security-checklists.md §3 (10))
    ...((isDelegation(registration) || registration.pgoDomain) && dpopKeyOf(client) !== undefined && { cnf: { jkt: dpopKeyOf(client)!.jkt } }),
  });
  return { headers: {}, params: { client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion } };
}

/** Options 2a and 2b: the PGO is the authorization server and DPoP is bound into every assertion (docs/option-2a-2b.md). */
export const isDelegation = (registration: ModuleRegistration): boolean => registration.launchOption === '2a' || registration.launchOption === '2b';

const dpopKeyOf = (client: Omit<AuthorizationServerClient, 'dpop'>): DpopKey | undefined => (client as Partial<AuthorizationServerClient>).dpop?.key;

// application/x-www-form-urlencoded serialisation of one value (WHATWG URL §5.2)
function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

// RFC 6749 §5.2: an `error` that is not RFC 6749 syntax is reported as an invalid response
function errorCode(body: unknown): string {
  const error = typeof body === 'object' && body !== null ? (body as { error?: unknown }).error : undefined;
  return oauthErrorCode(error) ?? 'invalid_response';
}
