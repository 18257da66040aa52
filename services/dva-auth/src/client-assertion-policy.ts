import { errors, type Configuration } from 'oidc-provider';
import { OAuthError, checkParties, checkTimes } from '@koppelmij/core';

/** SMART App Launch (client-confidential-asymmetric): an assertion's `exp` at most 5 minutes ahead. */
const MAX_LIFETIME = 300;

/**
 * The rules of core's client-assertion check that oidc-provider's own `private_key_jwt` does not
 * apply, run after it verified the signature (docs/decisions.md I53): `aud` one string, the
 * issuer or the token endpoint, never an array (decision D1; CVE-2025-27370/27371); `exp` at
 * most 5 minutes ahead (SMART); `iat`/`nbf` at most 60 s ahead (FAPI 2.0 §5.3.2.1-13).
 */
export function clientAssertionPolicy(issuer: string): NonNullable<Configuration['assertJwtClientAuthClaimsAndHeader']> {
  const audiences = [issuer, `${issuer}/token`];
  return async (_ctx, claims, _header, client) => {
    const policy = { clientId: client.clientId, formClientId: undefined, audiences, now: Math.floor(Date.now() / 1000), maxLifetime: MAX_LIFETIME, requireCnf: false };
    try {
      checkParties(claims, policy);
      checkTimes(claims, policy);
    } catch (error) {
      if (error instanceof OAuthError) throw new errors.InvalidClientAuth(error.error_description ?? error.error);
      throw error;
    }
  };
}
