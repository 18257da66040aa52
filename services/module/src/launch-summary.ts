/**
 * What the module shows of its own launch, like SMART's sample app (docs/protocol.md §4.3, §4.5):
 * the launch context of the token response and the id_token's claims. Never a token itself
 * (docs/protocol.md §8 item 32): the access token is read for its `cnf.jkt` only, and one-time
 * values such as `nonce` are shortened (docs/decisions.md I135).
 */
import { decodeJwt } from 'jose';
import type { TokenResponse } from './smart-client.ts';

export interface LaunchSummary {
  token_type: string;
  scope?: string;
  expires_in?: number;
  patient?: unknown;
  fhirContext?: unknown;
  /** RFC 9449 §6.1: the thumbprint of the DPoP key the access token is bound to. */
  jkt?: string;
  return_url?: unknown;
  /** RFC 8693 §4.1: someone acts on behalf of the patient. */
  act?: unknown;
  refresh_token?: 'yes';
  /** The verified id_token's claims, `nonce` shortened. */
  id_token?: Record<string, unknown>;
}

/** The displayable part of a token response; `idTokenClaims` are the verified claims, when there was an id_token. */
export function launchSummary(tokens: TokenResponse, idTokenClaims?: Record<string, unknown>): LaunchSummary {
  const jkt = accessTokenJkt(tokens.access_token);
  return {
    token_type: tokens.token_type,
    ...(tokens.scope !== undefined && { scope: tokens.scope }),
    ...(tokens.expires_in !== undefined && { expires_in: tokens.expires_in }),
    ...(tokens.patient !== undefined && { patient: tokens.patient }),
    ...(tokens.fhirContext !== undefined && { fhirContext: tokens.fhirContext }),
    ...(jkt !== undefined && { jkt }),
    ...(tokens.return_url !== undefined && { return_url: tokens.return_url }),
    ...(tokens.act !== undefined && { act: tokens.act }),
    ...(tokens.refresh_token !== undefined && { refresh_token: 'yes' as const }),
    ...(idTokenClaims !== undefined && { id_token: { ...idTokenClaims, ...(typeof idTokenClaims.nonce === 'string' && { nonce: shorten(idTokenClaims.nonce) }) } }),
  };
}

/** `abcd…wxyz`: enough to recognise a value, too little to use it. */
export function shorten(value: string): string {
  return value.length <= 12 ? '…' : `${value.slice(0, 4)}…${value.slice(-4)}`;
}

// RFC 9068 access tokens are JWTs; an opaque token simply has no `cnf` to show.
function accessTokenJkt(accessToken: string): string | undefined {
  try {
    const cnf = decodeJwt(accessToken).cnf as { jkt?: unknown } | undefined;
    return typeof cnf?.jkt === 'string' ? cnf.jkt : undefined;
  } catch {
    return undefined;
  }
}
