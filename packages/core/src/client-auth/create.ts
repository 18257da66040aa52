/**
 * Creating an RFC 7523 client assertion (`private_key_jwt`, OIDC Core §9).
 */
import type { CryptoKey, KeyObject } from 'jose';
import { signJwt } from '../jws/sign.ts';
import { systemClock, type Clock } from '../util/clock.ts';
import { randomToken } from '../util/random.ts';
import type { ClientAssertionAlgorithm } from './algorithms.ts';

export interface CreateClientAssertionOptions {
  clientId: string;
  /** The one `aud` string: the authorization server's issuer or token endpoint URL (docs/decisions-protocol.md D1). */
  audience: string;
  privateKey: CryptoKey | KeyObject;
  alg: ClientAssertionAlgorithm;
  /** The `kid` of the matching public key in the client's registered JWKS (SMART; docs/decisions-protocol.md D4). */
  kid: string;
  /** Seconds until `exp` (default 60; verifiers here accept at most 300). */
  lifetime?: number;
  /** Default: a fresh 256-bit random value. */
  jti?: string;
  /** Koppelmij options 2a/2b: the RFC 7638 thumbprint of the DPoP key the client will use. */
  cnf?: { jkt: string };
  clock?: Clock;
}

/**
 * Signs a client assertion with `iss` = `sub` = `clientId`, a single-string `aud`, `iat`, `exp`
 * and `jti` (RFC 7523 §3), plus `cnf` when given. Send it as `client_assertion` with
 * `client_assertion_type` = {@link CLIENT_ASSERTION_TYPE} (RFC 7523 §2.2).
 */
export async function createClientAssertion(options: CreateClientAssertionOptions): Promise<string> {
  const lifetime = options.lifetime ?? 60;
  if (!(Number.isFinite(lifetime) && lifetime > 0)) throw new RangeError('lifetime must be a positive number of seconds');
  const now = (options.clock ?? systemClock)();
  const claims = {
    ...(options.cnf && { cnf: { jkt: options.cnf.jkt } }),
    iss: options.clientId,
    sub: options.clientId,
    aud: options.audience,
    iat: now,
    exp: now + lifetime,
    jti: options.jti ?? randomToken(),
  };
  return signJwt({ alg: options.alg, kid: options.kid }, claims, options.privateKey);
}
