/**
 * Verification of an RFC 7523 client assertion (`private_key_jwt`) against a registered client,
 * following docs/security-checklists.md §3 item by item.
 */
import { compactVerify, type JSONWebKeySet, type JWK, type JWTPayload } from 'jose';
import { InvalidClient } from '../errors/index.ts';
import { verifyCompactFast } from '../jws/compact.ts';
import { protectedHeaderOf } from '../jws/header.ts';
import { keyObjectOf } from '../jws/keys.ts';
import type { KeyValueStore } from '../store/types.ts';
import { systemClock, type Clock } from '../util/clock.ts';
import { allowedAlgorithms, CLIENT_ASSERTION_TYPE, type ClientAuthProfile } from './algorithms.ts';
import { checkCnf, checkParties, checkTimes, consumeJti, type ClaimsPolicy } from './claims.ts';
import type { JwksCache } from './jwks-cache.ts';
import { verificationKey } from './keyset.ts';

/** The registered metadata this verification needs (RFC 7591 §2). */
export interface RegisteredClientKeys {
  client_id: string;
  /** Inline keys. Treated as immutable: register a new object to rotate. */
  jwks?: { keys: JWK[] };
  jwks_uri?: string;
}

export interface VerifyClientAssertionOptions {
  client: RegisteredClientKeys;
  /** The `client_id` form parameter, when the request carried one. */
  formClientId?: string;
  /**
   * The `client_assertion_type` form parameter exactly as received, `undefined` included when it
   * was absent. Leave the property out only for an assertion that did not arrive as client
   * authentication (e.g. an RFC 8693 `actor_token`, whose type is `actor_token_type`).
   */
  clientAssertionType?: string | undefined;
  /** The accepted `aud` values: this authorization server's issuer and its token endpoint URL (docs/decisions-protocol.md D1). */
  audiences: readonly string[];
  /** Shared store for the `jti` replay check (docs/decisions-protocol.md D12). */
  store: KeyValueStore;
  /** Required for a client registered with `jwks_uri`. */
  keys?: JwksCache;
  /** Narrows the `alg` allow-list; asymmetric algorithms only (docs/decisions-protocol.md D2). */
  algorithms?: readonly string[];
  /** `strict` drops RS384 and ES384 (docs/decisions-protocol.md D2). Default `default`. */
  profile?: ClientAuthProfile;
  /** Reject an assertion without `cnf.jkt` (Koppelmij options 2a/2b; docs/security-checklists.md §3 (10)). */
  requireCnf?: boolean;
  clock?: Clock;
  /** Longest accepted `exp - now` in seconds (default 300, SMART). */
  maxLifetime?: number;
  /** The replay cache's epoch (s, `StoreEpoch`): an assertion that may have been made earlier is refused. */
  notBefore?: number;
}

export interface VerifiedClientAssertion {
  clientId: string;
  claims: JWTPayload;
  /** The `kid` of the registered key that verified the signature. */
  kid: string;
  /** The assertion's `cnf`; the caller compares `jkt` with the DPoP proof's thumbprint (docs/security-checklists.md §3 (10)). */
  cnf?: { jkt: string };
}

/**
 * Authenticates a client by its RFC 7523 JWT assertion: docs/security-checklists.md §3 items 1–11, in the
 * order header → key → signature → claims → `jti`, so only a fully valid assertion spends its `jti`.
 *
 * The caller looks the client up (by the form's `client_id` or the assertion's unverified `iss`),
 * and makes sure the request used no other authentication method (RFC 6749 §2.3; docs/security-checklists.md §3 (1)).
 *
 * @throws {@link InvalidClient} (401) for every failed check, with a short fixed description
 *   (RFC 7521 §4.2.1, RFC 7523 §3.2; docs/security-checklists.md §3 (11)).
 * @throws TypeError for a configuration error: HMAC or `none` in `algorithms`, or a `jwks_uri`
 *   client without `keys`.
 */
export async function verifyClientAssertion(assertion: string, options: VerifyClientAssertionOptions): Promise<VerifiedClientAssertion> {
  const { client } = options;
  const algorithms = allowedAlgorithms(options.profile, options.algorithms);

  // docs/security-checklists.md §3 (1); RFC 7523 §2.2.
  if (Object.hasOwn(options, 'clientAssertionType') && options.clientAssertionType !== CLIENT_ASSERTION_TYPE) {
    throw new InvalidClient('invalid client_assertion_type');
  }

  // docs/security-checklists.md §3 (2): a compact JWS (RFC 7515 §7.1) with an allowed `alg` and a `kid`.
  const header = protectedHeader(assertion);
  if (typeof header.alg !== 'string' || !algorithms.includes(header.alg)) {
    throw new InvalidClient('client assertion alg not allowed');
  }
  if (typeof header.kid !== 'string' || header.kid.length === 0) throw new InvalidClient('client assertion kid missing');
  // docs/security-checklists.md §3 (2): `jku` only as the registered `jwks_uri`; `jwk`, `x5c`, `x5u` are never read.
  if (header.jku !== undefined && (client.jwks_uri === undefined || header.jku !== client.jwks_uri)) {
    throw new InvalidClient('client assertion jku not registered');
  }

  // docs/security-checklists.md §3 (2), (3): the one registered key with this `kid` (docs/decisions-protocol.md D4).
  const jwks = await registeredKeys(client, header.kid, options.keys);
  const key = await verificationKey(jwks, header.kid, header.alg);

  // docs/security-checklists.md §3 (4); `algorithms` again so jose enforces the allow-list as well.
  let payload: Uint8Array;
  try {
    // docs/decisions.md I115: node:crypto checks the signature in place; jose decides whatever else
    const keyObject = keyObjectOf(key);
    const fast = keyObject === undefined ? undefined : verifyCompactFast(assertion, keyObject, algorithms);
    ({ payload } = fast ?? (await compactVerify(assertion, key, { algorithms: [...algorithms] })));
  } catch (cause) {
    throw new InvalidClient('client assertion signature invalid', { cause });
  }
  const claims = jwtClaims(payload); // the payload whose signature was just verified

  const policy: ClaimsPolicy = {
    clientId: client.client_id,
    formClientId: options.formClientId,
    audiences: options.audiences,
    now: (options.clock ?? systemClock)(),
    maxLifetime: options.maxLifetime ?? 300,
    requireCnf: options.requireCnf ?? false,
    ...(options.notBefore !== undefined && { notBefore: options.notBefore }),
  };
  checkParties(claims, policy); // (5), (6)
  checkTimes(claims, policy); // (7), (8)
  const cnf = checkCnf(claims, policy); // (10)
  await consumeJti(claims, policy, options.store); // (9), last

  return { clientId: client.client_id, claims, kid: header.kid, ...(cnf && { cnf }) };
}

function protectedHeader(assertion: string): ReturnType<typeof protectedHeaderOf> {
  if (typeof assertion !== 'string' || assertion.split('.').length !== 3) {
    throw new InvalidClient('client assertion is not a compact JWS');
  }
  try {
    return protectedHeaderOf(assertion); // jose's decode, remembered per header (docs/decisions.md I115)
  } catch (cause) {
    throw new InvalidClient('client assertion is not a compact JWS', { cause });
  }
}

// RFC 7523 §3: the assertion is a JWT, so its payload is a JSON object (RFC 7519 §7.2 (10)).
function jwtClaims(payload: Uint8Array): JWTPayload {
  let claims: unknown;
  try {
    claims = JSON.parse(strictUtf8.decode(payload));
  } catch (cause) {
    throw new InvalidClient('client assertion is not a JWT', { cause });
  }
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) throw new InvalidClient('client assertion is not a JWT');
  return claims as JWTPayload;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

// docs/security-checklists.md §3 (3): keys only from the registration, inline or by `jwks_uri`.
async function registeredKeys(client: RegisteredClientKeys, kid: string, keys: JwksCache | undefined): Promise<JSONWebKeySet> {
  // RFC 7591 §2: `jwks` and `jwks_uri` MUST NOT both be present.
  if (client.jwks !== undefined && client.jwks_uri !== undefined) throw new InvalidClient('client keys misregistered');
  if (client.jwks !== undefined) return client.jwks;
  if (client.jwks_uri === undefined) throw new InvalidClient('client has no registered keys');
  if (keys === undefined) throw new TypeError('verifyClientAssertion: options.keys (a JwksCache) is required for jwks_uri clients');
  return keys.getKeys(client.jwks_uri, { kid });
}
