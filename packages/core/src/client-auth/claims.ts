/**
 * The claims checks of a client assertion (RFC 7523 §3; docs/security-checklists.md §3 (5)–(10)).
 * Called only after the signature verified, so the `jti` check is last and consumes nothing
 * for a forged or otherwise invalid assertion.
 */
import type { JWTPayload } from 'jose';
import { InvalidClient } from '../errors/index.ts';
import type { KeyValueStore } from '../store/types.ts';
import { tupleKey } from '../store/keys.ts';
import { readCnfJkt } from '../dpop/cnf.ts';
import { assertAssertionAfterEpoch } from './epoch.ts';

/** Seconds of clock skew allowed on `exp` (RFC 7519 §4.1.4 "some small leeway"). */
export const CLOCK_SKEW = 5;
/** Seconds an `iat`/`nbf` may lie in the future (FAPI 2.0 §5.3.2.1-13; see `checkTimes`). */
export const MAX_FUTURE = 60;
/** Longest `jti` accepted: a bounded length (docs/security-checklists.md §3 (9)). */
export const MAX_JTI_LENGTH = 256;

export interface ClaimsPolicy {
  clientId: string;
  formClientId: string | undefined;
  audiences: readonly string[];
  now: number;
  maxLifetime: number;
  requireCnf: boolean;
  notBefore?: number;
}

/** docs/security-checklists.md §3 (5), (6): who issued the assertion and for whom. */
export function checkParties(claims: JWTPayload, policy: ClaimsPolicy): void {
  // RFC 7523 §3 items 1–2; RFC 7521 §4.2: iss = sub = client_id, and = the form's client_id when sent.
  if (claims.iss !== policy.clientId || claims.sub !== policy.clientId) {
    throw new InvalidClient('client assertion iss/sub mismatch');
  }
  if (policy.formClientId !== undefined && policy.formClientId !== policy.clientId) {
    throw new InvalidClient('client_id does not match client assertion');
  }
  // RFC 7523 §3 item 3 narrowed by docs/decisions-protocol.md D1: one string, the issuer or the token endpoint;
  // an array is refused even when it holds a good value (CVE-2025-27370/27371).
  if (typeof claims.aud !== 'string' || !policy.audiences.includes(claims.aud)) {
    throw new InvalidClient('client assertion aud invalid');
  }
}

/** docs/security-checklists.md §3 (7), (8): `exp`, `iat`, `nbf`. */
export function checkTimes(claims: JWTPayload, policy: ClaimsPolicy): void {
  const { now } = policy;
  // RFC 7523 §3 item 4: exp is required and must not have passed; SMART: at most 5 minutes ahead.
  if (!isNumericDate(claims.exp)) throw new InvalidClient('client assertion exp missing');
  if (claims.exp <= now - CLOCK_SKEW) throw new InvalidClient('client assertion expired');
  if (claims.exp > now + policy.maxLifetime) throw new InvalidClient('client assertion exp too far ahead');
  // docs/security-checklists.md §3 (8) reads "not more than 60 s in the future; accept up to 10 s", after
  // FAPI 2.0 §5.3.2.1-13: "shall accept … between 0 and 10 seconds in the future but shall reject
  // … greater than 60 seconds in the future". The rule is the 60 s bound; the 10 s is a minimum
  // tolerance it satisfies. Between 10 and 60 s both documents leave the choice to us and we
  // accept (clients with drifting clocks), so exactly `iat`/`nbf` > now + 60 is rejected.
  for (const name of ['iat', 'nbf'] as const) {
    const value = claims[name];
    if (value === undefined) continue; // RFC 7523 §3 items 5–6: both OPTIONAL
    if (!isNumericDate(value)) throw new InvalidClient(`client assertion ${name} malformed`);
    if (value > now + MAX_FUTURE) throw new InvalidClient(`client assertion ${name} in the future`);
  }
}

/** docs/security-checklists.md §3 (10): the Koppelmij `cnf.jkt` (options 2a/2b). Returns it when present. */
export function checkCnf(claims: JWTPayload, policy: ClaimsPolicy): { jkt: string } | undefined {
  const cnf = readCnfJkt((claims as { cnf?: unknown }).cnf); // RFC 7800 §3.1, RFC 9449 §6.1
  if (!cnf.present) {
    if (policy.requireCnf) throw new InvalidClient('client assertion cnf missing');
    return undefined;
  }
  if (cnf.jkt === undefined) throw new InvalidClient('client assertion cnf malformed');
  return { jkt: cnf.jkt };
}

/**
 * docs/security-checklists.md §3 (9); OIDC Core §9; docs/decisions-protocol.md D12: the `jti` is recorded for this `iss`
 * by one atomic insert that lives as long as the assertion could still be accepted.
 */
export async function consumeJti(claims: JWTPayload, policy: ClaimsPolicy, store: KeyValueStore): Promise<void> {
  const { jti, exp } = claims;
  if (typeof jti !== 'string' || jti.length === 0) throw new InvalidClient('client assertion jti missing');
  if (jti.length > MAX_JTI_LENGTH) throw new InvalidClient('client assertion jti too long');
  // docs/decisions.md I77: made before the store's epoch, it cannot be proven unused
  if (policy.notBefore !== undefined) assertAssertionAfterEpoch(claims, policy.notBefore, { maxLifetime: policy.maxLifetime, now: policy.now });
  // checkTimes ran first: exp > now - CLOCK_SKEW, so the ttl is positive.
  const ttl = (exp as number) - policy.now + CLOCK_SKEW;
  const first = await store.setIfAbsent(tupleKey('client-assertion-jti', policy.clientId, jti), 1, ttl);
  if (!first) throw new InvalidClient('client assertion jti already used');
}

function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
