/**
 * Authentication of every data request: the access token (RFC 9068 §4), its DPoP binding
 * (RFC 9449 §7; docs/security-checklists.md §1.3) and grant revocation (docs/protocol.md §8 item 17).
 */
import { verifyJwtAccessToken, type AccessTokenClaims, type VerifyJwtAccessTokenOptions } from '@koppelmij/core/access-token';
import { verifyResourceRequest, type DpopNonces, type VerifiedResourceRequest } from '@koppelmij/core/dpop';
import { FhirError, InvalidToken, OAuthError } from '@koppelmij/core/errors';
import { epochOf, revokedGrantKey, type KeyValueStore } from '@koppelmij/core/store';
import type { Clock } from '@koppelmij/core/util';
import type { FastifyRequest } from 'fastify';

export interface AuthenticatorOptions {
  /** The access tokens' `iss`: the DVA authorization server. */
  issuer: string;
  /** This resource server: the FHIR base, the tokens' `aud` (RFC 9068 §4, RFC 8707). */
  fhirBase: string;
  /** The authorization server's keys (default: its JWKS). */
  key: VerifyJwtAccessTokenOptions['key'];
  /** Shared with dva-auth: grant revocation markers, and this server's DPoP `jti` cache. */
  store: KeyValueStore;
  nonces?: DpopNonces;
  requireDpop: boolean;
  clock?: Clock;
}

/** Authenticates one request; throws the OAuthError to answer with (see errors.ts). */
export type Authenticator = (request: FastifyRequest) => Promise<VerifiedResourceRequest>;

/** Builds the {@link Authenticator} for one configuration. */
export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const verifyAccessToken = async (token: string): Promise<AccessTokenClaims> => {
    // RFC 9068 §4: typ, signature, iss, aud, exp. The launch code is opaque (docs/protocol.md §8 item 19), never a JWT, and fails here.
    const claims = await verifyJwtAccessToken(token, {
      key: options.key,
      issuer: options.issuer,
      audience: options.fhirBase,
      ...(options.clock && { clock: options.clock }),
    }).catch((error: unknown) => {
      if (error instanceof OAuthError) throw error;
      // the authorization server's keys could not be had (network, timeout): the server's problem, not the token's
      throw new FhirError(503, 'transient', 'the authorization server is unavailable; try again later');
    });
    // docs/security-checklists.md §1.3 (3) "not revoked"; docs/protocol.md §4.7, §8 item 17. `createOidcAdapter` marks a
    // revoked grant (RFC 7009, refresh-token reuse, session end), which revokes each of its tokens here
    if (typeof claims.grant_id === 'string' && (await options.store.get(revokedGrantKey(claims.grant_id))) !== undefined) {
      throw new InvalidToken('The access token has been revoked');
    }
    return claims;
  };

  const origin = new URL(options.fhirBase).origin;
  return async (request) =>
    verifyResourceRequest(
      {
        method: request.method,
        // RFC 9449 §4.3 (9) htu: the public URL of this request, from configuration, never from Host (RFC 9700 §4.13)
        url: `${origin}${request.url}`,
        authorization: headerValues(request, 'authorization'),
        dpop: headerValues(request, 'dpop'),
      },
      {
        verifyAccessToken,
        store: options.store,
        notBefore: await epochOf(options.store).current(), // docs/decisions.md I77: the replay cache knows nothing older
        requireDpop: options.requireDpop,
        ...(options.nonces && { nonces: options.nonces }),
        ...(options.clock && { clock: options.clock }),
      },
    );
}

/**
 * Every occurrence of a request header. Node keeps only the first `Authorization` in
 * `req.headers`, so a second one (RFC 9449 §7.2, RFC 6750 §3.1: invalid_request) would go unseen.
 */
function headerValues(request: FastifyRequest, name: string): string[] | undefined {
  const raw = request.raw.rawHeaders;
  const values: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i]!.toLowerCase() === name) values.push(raw[i + 1]!);
  return values.length ? values : undefined;
}
