import type { JWK, JWTPayload } from 'jose';
import { InvalidDpopProof, InvalidToken, UseDpopNonce } from '../errors/oauth-error.ts';
import { tupleKey } from '../store/keys.ts';
import type { KeyValueStore } from '../store/types.ts';
import { systemClock, type Clock } from '../util/clock.ts';
import { sha256b64url, timingSafeEqualString } from '../util/random.ts';
import { assertAsymmetricAlgorithms, DPOP_ALGORITHMS } from './algorithms.ts';
import { normalizeHtu } from './htu.ts';
import { jwkThumbprintSync } from '../jws/keys.ts';
import { jwkThumbprint } from './key.ts';
import type { DpopNonces } from './nonce.ts';
import { checkHeader, DPOP_ERRORS, singleProof, verifySignature, type Reject } from './proof-checks.ts';

export interface VerifyDpopProofOptions {
  /** HTTP method of the current request. */
  htm: string;
  /** The request's target URI, built from configuration (public base URL), never from `Host` (RFC 9700 §4.13). */
  htu: string;
  /** The access token presented with the proof: `ath` is then required and checked (RFC 9449 §4.3 (12a)). */
  accessToken?: string;
  /** The `cnf.jkt` the access token (or code, refresh token, `dpop_jkt`) is bound to (RFC 9449 §4.3 (12b)). */
  expectedJkt?: string;
  /** Accepted `alg` values (default {@link DPOP_ALGORITHMS}); asymmetric only. */
  algorithms?: readonly string[];
  /** Server nonces: when given, every proof must carry a valid `nonce` (RFC 9449 §8, §9, docs/decisions-protocol.md D6). */
  nonces?: DpopNonces;
  /** Seconds `iat` may lie in the past / future (default 60 / 10; FAPI 2.0 §5.3.2.1-13). */
  iatWindow?: { past: number; future: number };
  /** Shared `jti` replay cache (RFC 9449 §11.1). */
  store: KeyValueStore;
  /** The replay cache's epoch (s, `StoreEpoch`): a proof with an earlier `iat` may have been used before the cache lost its state, and is refused. */
  notBefore?: number;
  clock?: Clock;
  /** `as` (default): failures are 400 (RFC 9449 §5, §8); `rs`: 401 (RFC 9449 §7.1, §9). */
  context?: 'as' | 'rs';
}

export interface VerifiedDpopProof {
  /** RFC 7638 thumbprint of the proof key: bind issued tokens with `cnf.jkt` = this (RFC 9449 §6.1). */
  jkt: string;
  jti: string;
  iat: number;
  htm: string;
  /** The `htu` claim as sent. */
  htu: string;
  publicJwk: JWK;
  nonce?: string;
}

// RFC 9449 §11.1: "reject … unnecessarily large values" of jti.
const MAX_JTI_LENGTH = 256;

/**
 * Verifies a DPoP proof with every check of RFC 9449 §4.3 (docs/security-checklists.md §1.1 items 1–12)
 * plus the §11.1 `jti` replay check, which consumes the `jti` atomically in the shared store (D12).
 *
 * @param input the raw `DPoP` header value(s), e.g. node's `req.headers.dpop`.
 * @throws InvalidDpopProof for a failed check (400, or 401 in context `rs`); UseDpopNonce carrying a
 *   fresh nonce when `nonces` is set and the nonce is missing or stale (docs/decisions-protocol.md D6); InvalidToken (401)
 *   when the key does not match `expectedJkt` in context `rs` (RFC 9449 §7.1); TypeError when the
 *   configured `htu` or `algorithms` is unusable.
 */
export async function verifyDpopProof(
  input: string | readonly string[] | undefined,
  options: VerifyDpopProofOptions,
): Promise<VerifiedDpopProof> {
  const status = options.context === 'rs' ? 401 : 400;
  const reject: Reject = (description) => new InvalidDpopProof(description, { status });
  const algorithms = assertAsymmetricAlgorithms(options.algorithms ?? DPOP_ALGORITHMS);
  const expectedHtu = normalizeHtu(options.htu);
  const { past, future } = options.iatWindow ?? { past: 60, future: 10 };
  const now = (options.clock ?? systemClock)();

  const proof = singleProof(input, reject); // (1), (2)
  const header = checkHeader(proof, algorithms, reject); // (2), (3), (4), (5), (7)
  const thumbprint = jwkThumbprintSync(header.jwk);
  const payload = await verifySignature(proof, { ...header, ...(thumbprint !== undefined && { jkt: thumbprint }) }, algorithms, now, reject); // (6)
  const claims = requiredClaims(payload, options.accessToken !== undefined, reject); // (3)

  // RFC 9449 §4.3 (8): htm matches the request method, case-sensitively
  if (claims.htm !== options.htm) throw reject(DPOP_ERRORS.htm);
  // RFC 9449 §4.3 (9): htu matches the target URI without query and fragment, after RFC 3986 §6.2.2/§6.2.3 normalization
  const htu = normalizedOrUndefined(claims.htu);
  if (htu !== expectedHtu) throw reject(DPOP_ERRORS.htu);
  // RFC 9449 §4.3 (10), §11.3: once the server supplies nonces, a proof without a valid one is refused (docs/decisions-protocol.md D6)
  if (options.nonces && (claims.nonce === undefined || !options.nonces.isValid(claims.nonce))) {
    const server = status === 401 ? 'Resource server' : 'Authorization server';
    throw new UseDpopNonce(options.nonces.current(), { status, description: `${server} requires nonce in DPoP proof` });
  }
  // RFC 9449 §4.3 (11), §11.1; FAPI 2.0 §5.3.2.1-13: iat within the acceptance window
  if (now - claims.iat > past || claims.iat - now > future) throw reject(DPOP_ERRORS.iat);
  // RFC 9449 §4.3 (12a): ath = base64url(SHA-256(ASCII(access token)))
  if (options.accessToken !== undefined && !timingSafeEqualString(claims.ath ?? '', sha256b64url(options.accessToken))) {
    throw reject(DPOP_ERRORS.ath);
  }
  const { jwk } = header;
  const jkt = thumbprint ?? (await jwkThumbprint(jwk));
  // RFC 9449 §4.3 (12b), §6: the proof key is the key the token is bound to; at a resource server a
  // binding failure is invalid_token (RFC 9449 §7.1 example "Invalid DPoP key binding")
  if (options.expectedJkt !== undefined && jkt !== options.expectedJkt) {
    throw options.context === 'rs' ? new InvalidToken(DPOP_ERRORS.binding) : reject(DPOP_ERRORS.binding);
  }
  // RFC 9449 §11.1: each jti is accepted once per target URI within the acceptance window, by one
  // atomic insert shared by every instance (docs/decisions-protocol.md D12); the key is length-prefixed and hashed.
  // docs/decisions.md I77: what was issued before the store's epoch cannot be proven unused
  if (options.notBefore !== undefined && claims.iat < options.notBefore) throw reject(DPOP_ERRORS.replay);
  const replayKey = tupleKey('dpop-jti', jkt, expectedHtu, claims.jti);
  if (!(await options.store.setIfAbsent(replayKey, 1, past + future))) throw reject(DPOP_ERRORS.replay);

  return {
    jkt,
    jti: claims.jti,
    iat: claims.iat,
    htm: claims.htm,
    htu: claims.htu,
    publicJwk: jwk,
    ...(claims.nonce === undefined ? {} : { nonce: claims.nonce }),
  };
}

interface DpopClaims {
  jti: string;
  htm: string;
  htu: string;
  iat: number;
  ath?: string;
  nonce?: string;
}

/** RFC 9449 §4.3 (3): jti, htm, htu, iat present (and ath with an access token), each of its type. */
function requiredClaims(payload: JWTPayload, withAccessToken: boolean, reject: Reject): DpopClaims {
  const { jti, htm, htu, iat, ath, nonce } = payload;
  if (!nonEmptyString(jti) || !nonEmptyString(htm) || !nonEmptyString(htu) || typeof iat !== 'number') {
    throw reject(DPOP_ERRORS.missingClaim);
  }
  if (withAccessToken ? !nonEmptyString(ath) : !optionalString(ath)) throw reject(DPOP_ERRORS.missingClaim);
  if (!optionalString(nonce)) throw reject(DPOP_ERRORS.missingClaim);
  // RFC 9449 §11.1: bounded jti, checked before anything is stored
  if (jti.length > MAX_JTI_LENGTH) throw reject(DPOP_ERRORS.jtiTooLong);
  return { jti, htm, htu, iat, ath: ath as string | undefined, nonce: nonce as string | undefined };
}

function normalizedOrUndefined(htu: string): string | undefined {
  try {
    return normalizeHtu(htu);
  } catch {
    return undefined;
  }
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

function optionalString(value: unknown): boolean {
  return value === undefined || typeof value === 'string';
}
