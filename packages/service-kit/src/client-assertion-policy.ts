import type { JWTPayload } from 'jose';
import { OAuthError, assertAssertionAfterEpoch, checkParties, checkTimes, epochOf, type KeyValueStore } from '@koppelmij/core';

/** SMART App Launch (client-confidential-asymmetric): an assertion's `exp` at most 5 minutes ahead. */
const MAX_LIFETIME = 300;

/** oidc-provider's `errors.InvalidClientAuth`, passed in so this kit needs no oidc-provider. */
export type InvalidClientAuthError = new (description: string) => Error;

/**
 * The rules of core's client-assertion check that oidc-provider's own `private_key_jwt` does not
 * apply, for its `assertJwtClientAuthClaimsAndHeader`, run after it verified the signature
 * (docs/decisions.md I53, I145): `aud` one string, the issuer or its token endpoint, never an
 * array (docs/decisions-protocol.md D1; CVE-2025-27370/27371); `exp` at most 5 minutes ahead (SMART); `iat`/`nbf`
 * at most 60 s ahead (FAPI 2.0 §5.3.2.1-13); and made after the store's epoch, since oidc-provider's
 * replay cache knows no epoch (docs/decisions.md I77). Every authorization server here (the DVA's,
 * and the PGO's of options 2a/2b) uses this one policy.
 */
export function clientAssertionPolicy(issuer: string, InvalidClientAuth: InvalidClientAuthError, store: KeyValueStore) {
  const audiences = [issuer, `${issuer}/token`];
  return async (_ctx: unknown, claims: JWTPayload, _header: unknown, client: { clientId: string }): Promise<void> => {
    const policy = { clientId: client.clientId, formClientId: undefined, audiences, now: Math.floor(Date.now() / 1000), maxLifetime: MAX_LIFETIME, requireCnf: false };
    try {
      checkParties(claims, policy);
      checkTimes(claims, policy);
      assertAssertionAfterEpoch(claims, await epochOf(store).current(), { maxLifetime: MAX_LIFETIME, now: policy.now });
    } catch (error) {
      if (error instanceof OAuthError) throw new InvalidClientAuth(error.error_description ?? error.error);
      throw error;
    }
  };
}
