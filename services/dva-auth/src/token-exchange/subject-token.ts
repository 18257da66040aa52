import { InvalidRequest, revokedGrantKey, verifyJwtAccessToken, type AccessTokenClaims } from '@koppelmij/core';
import type { DvaAuth } from '../context.ts';

/** What the check reads of the DVA: its own key and URLs, the grant contexts and revocation markers. */
export type SubjectTokenCheck = Pick<DvaAuth, 'config' | 'signingKey' | 'store' | 'grantContext'>;

/** Claims of a verified collect token (`MEDMIJ_VERZAMELEN_TOKEN`). */
export interface SubjectToken extends AccessTokenClaims {
  patient: string;
  grant_id: string;
}

const INVALID = 'subject_token is invalid';

/**
 * Validates a `subject_token` that must be this DVA's collect token issued to `clientId`
 * (docs/security-checklists.md §2 (5)): signature, `typ`, issuer, audience, expiry (RFC 9068 §4),
 * issued to the requesting client (CVE-2022-1245), not a module or exchanged token
 * (no chaining), grant not revoked. Every failure is `invalid_request` (RFC 8693 §2.2.2, D5).
 */
export async function verifySubjectToken(token: string | undefined, clientId: string, check: SubjectTokenCheck): Promise<SubjectToken> {
  if (!token) throw new InvalidRequest('subject_token is missing');
  let claims: AccessTokenClaims;
  try {
    claims = await verifyJwtAccessToken(token, { key: check.signingKey.verifyKey, issuer: check.config.DVA_AUTH_URL, audience: check.config.DVA_FHIR_URL });
  } catch {
    throw new InvalidRequest(INVALID);
  }
  if (claims.client_id !== clientId) throw new InvalidRequest(INVALID);
  if (typeof claims.patient !== 'string' || typeof claims.grant_id !== 'string') throw new InvalidRequest(INVALID);
  // only a collect token: never a module token or an exchanged one (no chaining)
  if ((await check.grantContext.get(claims.grant_id))?.kind !== 'collect') throw new InvalidRequest(INVALID);
  if (await check.store.get(revokedGrantKey(claims.grant_id))) throw new InvalidRequest(INVALID);
  return claims as SubjectToken;
}
