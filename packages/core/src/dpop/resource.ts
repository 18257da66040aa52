/**
 * The resource-server side of DPoP (RFC 9449 §6, §7; docs/security-checklists.md §1.3).
 */
import type { AccessTokenClaims } from '../access-token/claims.ts';
import { InvalidToken } from '../errors/oauth-error.ts';
import type { KeyValueStore } from '../store/types.ts';
import type { Clock } from '../util/clock.ts';
import { presentedToken } from './authorization.ts';
import { readCnfJkt } from './cnf.ts';
import type { DpopNonces } from './nonce.ts';
import { verifyDpopProof, type VerifiedDpopProof, type VerifyDpopProofOptions } from './verify.ts';

export interface ResourceRequest {
  method: string;
  /** The full request URL as configured (public base URL + path), never built from `Host` (RFC 9700 §4.13). */
  url: string;
  /** Raw `Authorization` header value(s). */
  authorization: string | readonly string[] | undefined;
  /** Raw `DPoP` header value(s). */
  dpop: string | readonly string[] | undefined;
}

export interface VerifyResourceRequestOptions {
  /** Verifies the access token in every other respect (signature, iss, aud, exp, revocation; §1.3 item 3). */
  verifyAccessToken: (token: string) => Promise<AccessTokenClaims>;
  store: KeyValueStore;
  nonces?: DpopNonces;
  algorithms?: readonly string[];
  iatWindow?: VerifyDpopProofOptions['iatWindow'];
  notBefore?: VerifyDpopProofOptions['notBefore'];
  clock?: Clock;
  /** Refuse unbound (Bearer) tokens too (docs/decisions-protocol.md D9's switch). */
  requireDpop?: boolean;
}

export interface VerifiedResourceRequest {
  token: string;
  claims: AccessTokenClaims;
  scheme: 'DPoP' | 'Bearer';
  /** Present when the token is DPoP-bound. */
  proof?: VerifiedDpopProof;
}

/**
 * Authorizes a request to a protected resource (RFC 9449 §7.1: "MUST NOT grant access to the
 * resource unless all checks are successful"). Scope and compartment checks remain the caller's.
 *
 * @throws MissingCredentials (401, bare challenge) when no token was presented; InvalidRequest (400)
 *   for more than one credential; InvalidToken (401) for token and binding failures; InvalidDpopProof
 *   or UseDpopNonce (401) for proof failures. Build the challenge with {@link dpopChallenge}.
 */
export async function verifyResourceRequest(request: ResourceRequest, options: VerifyResourceRequestOptions): Promise<VerifiedResourceRequest> {
  // docs/security-checklists.md §1.3 (1): exactly one Authorization header, DPoP or Bearer
  const { scheme, token } = presentedToken(request.authorization);
  // docs/security-checklists.md §1.3 (3): the token is valid in every other respect
  const claims = await options.verifyAccessToken(token);
  // docs/security-checklists.md §1.3 (4): bound or not is decided by cnf.jkt, never by the scheme the client chose
  const jkt = boundKey(claims);

  if (jkt === undefined) {
    // RFC 9449 §7.1: the DPoP scheme presents a DPoP-bound token
    if (scheme === 'DPoP') throw new InvalidToken('The access token is not DPoP-bound');
    // docs/decisions-protocol.md D9: DPoP can be made mandatory
    if (options.requireDpop) throw new InvalidToken('A DPoP-bound access token is required');
    return { token, claims, scheme };
  }
  // docs/security-checklists.md §1.3 (5), RFC 9449 §7.2: a DPoP-bound token presented as Bearer is rejected
  if (scheme === 'Bearer') throw new InvalidToken('A DPoP-bound access token requires the DPoP scheme');
  // docs/security-checklists.md §1.3 (2), RFC 9449 §7.1: a DPoP header passing every §4.3 check, (12) included
  const proof = await verifyDpopProof(request.dpop, {
    htm: request.method,
    htu: request.url,
    accessToken: token,
    expectedJkt: jkt,
    context: 'rs',
    store: options.store,
    nonces: options.nonces,
    algorithms: options.algorithms,
    iatWindow: options.iatWindow,
    notBefore: options.notBefore,
    clock: options.clock,
  });
  return { token, claims, scheme, proof };
}

/** The `cnf.jkt` the token is bound to (RFC 9449 §6.1), or undefined for an unbound token. */
function boundKey(claims: AccessTokenClaims): string | undefined {
  const { token_type } = claims;
  const cnf = readCnfJkt(claims.cnf);
  if (!cnf.present) return undefined;
  // a confirmation this server cannot check (e.g. RFC 8705 x5t#S256) must not degrade to Bearer
  if (cnf.jkt === undefined) throw new InvalidToken('The access token binding is not supported');
  // RFC 9449 §6.2: an introspected token_type, when present, is DPoP (case-insensitive, RFC 6749 §5.1)
  if (token_type !== undefined && (typeof token_type !== 'string' || token_type.toLowerCase() !== 'dpop')) {
    throw new InvalidToken('The access token is not DPoP-bound');
  }
  return cnf.jkt;
}
