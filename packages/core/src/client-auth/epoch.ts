import type { JWTPayload } from 'jose';
import { InvalidClient } from '../errors/index.ts';
import { systemClock } from '../util/clock.ts';

/**
 * docs/decisions.md I77: a client assertion that may have been made before the store's epoch
 * (`notBefore`, `StoreEpoch`) cannot be proven unused: the replay cache that knew its `jti` is gone.
 * It was made at its `iat`, or, without one, no earlier than `exp` − `maxLifetime`; that bound holds
 * only for an `exp` at most `maxLifetime` ahead (SMART Backend Services: 5 minutes), so a later one
 * is refused too. For oidc-provider's `assertJwtClientAuthClaimsAndHeader` and `verifyClientAssertion`.
 *
 * @throws InvalidClient (401)
 */
export function assertAssertionAfterEpoch(claims: JWTPayload, notBefore: number, options: { maxLifetime?: number; now?: number } = {}): void {
  const maxLifetime = options.maxLifetime ?? 300;
  const now = options.now ?? systemClock();
  if (typeof claims.exp !== 'number' || claims.exp > now + maxLifetime) throw new InvalidClient('client assertion exp too far ahead');
  const madeAt = typeof claims.iat === 'number' ? claims.iat : claims.exp - maxLifetime;
  if (madeAt < notBefore) throw new InvalidClient('client assertion jti already used');
}
