import { createRemoteJWKSet, customFetch, jwtVerify, type JWTPayload } from 'jose';
import { systemClock, type Clock } from '@koppelmij/core';
import type { OpenIdProvider } from './discovery.ts';
import type { Fetch } from './dpop.ts';

/** The id_token failed a check of OpenID Connect Core §3.1.3.7; the cause says which (never shown to the user). */
export class InvalidIdToken extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidIdToken';
  }
}

// Asymmetric JWS only (OIDC Core §3.1.3.7 (6)-(8)): RS256 is the OIDC default, the rest as in docs/decisions-protocol.md D2.
const ID_TOKEN_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA', 'Ed25519'];

/** Verified id_token claims the module uses. */
export interface IdTokenClaims extends JWTPayload {
  sub: string;
  fhirUser?: string;
}

/**
 * Verifies id_tokens against the OpenID Provider's JWKS (docs/protocol.md §8 item 31). Key sets are cached
 * per `jwks_uri` by jose, which refetches on an unknown `kid` (with a cooldown).
 */
export class IdTokenVerifier {
  readonly #fetch: Fetch;
  readonly #clock: Clock;
  readonly #keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

  constructor(options: { fetch: Fetch; clock?: Clock }) {
    this.#fetch = options.fetch;
    this.#clock = options.clock ?? systemClock;
  }

  /**
   * OIDC Core §3.1.3.7: the signature verifies with a key of the provider's JWKS (6), `iss`
   * equals the provider's issuer exactly (2), `aud` contains the client_id (3) and, with several
   * audiences, `azp` is the client_id (4, 5), `exp` lies in the future (9), `iat` is present (10),
   * and `nonce` equals the one sent in the authorization request (11).
   *
   * @throws InvalidIdToken
   */
  async verify(idToken: string, expected: { provider: OpenIdProvider; clientId: string; nonce?: string }): Promise<IdTokenClaims> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(idToken, this.#keySet(expected.provider.jwks_uri), {
        issuer: expected.provider.issuer,
        audience: expected.clientId,
        algorithms: ID_TOKEN_ALGORITHMS,
        requiredClaims: ['sub', 'exp', 'iat'],
        currentDate: new Date(this.#clock() * 1000),
      }));
    } catch (error) {
      throw new InvalidIdToken('id_token did not verify', { cause: error });
    }
    if (Array.isArray(payload.aud) && payload.aud.length > 1 && payload.azp !== expected.clientId) {
      throw new InvalidIdToken('id_token azp is not this client'); // OIDC Core §3.1.3.7 (4), (5)
    }
    if (expected.nonce !== undefined && payload.nonce !== expected.nonce) {
      throw new InvalidIdToken('id_token nonce does not match'); // OIDC Core §3.1.3.7 (11)
    }
    if (payload.fhirUser !== undefined && typeof payload.fhirUser !== 'string') throw new InvalidIdToken('id_token fhirUser is malformed');
    return payload as IdTokenClaims;
  }

  #keySet(jwksUri: string): ReturnType<typeof createRemoteJWKSet> {
    let keySet = this.#keySets.get(jwksUri);
    if (keySet === undefined) {
      const fetch = this.#fetch;
      keySet = createRemoteJWKSet(new URL(jwksUri), { [customFetch]: (url, init) => fetch(url, { ...init, redirect: 'error' }) });
      this.#keySets.set(jwksUri, keySet);
    }
    return keySet;
  }
}
