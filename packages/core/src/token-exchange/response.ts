/** The successful token-exchange response body, RFC 8693 §2.2.1. */
export interface TokenExchangeResponse {
  /** The issued token; for a launch code this is the code itself (docs/protocol.md §3.1.1 W8). */
  access_token: string;
  /** REQUIRED (RFC 8693 §2.2.1): the type of the token in `access_token`. */
  issued_token_type: string;
  /** `DPoP`, `Bearer`, or `N_A` when the issued token is not an access token. */
  token_type: string;
  expires_in: number;
  /** Required when it differs from the requested scope (RFC 8693 §2.2.1). */
  scope?: string;
}

export interface TokenExchangeResponseInput {
  access_token: string;
  issued_token_type: string;
  token_type: string;
  /** Seconds; at most the policy's lifetime and the subject token's remaining one (docs/security-checklists.md §2 (10)). */
  expires_in: number;
  scope?: string | readonly string[];
}

/**
 * Builds the RFC 8693 §2.2.1 response body (docs/security-checklists.md §2 (10)). It never carries a
 * `refresh_token`: only the listed members are copied. Send it with `Cache-Control: no-store`
 * (RFC 6749 §5.1).
 *
 * @throws {TypeError} a missing member, or an `expires_in` that is not a positive integer
 */
export function tokenExchangeResponse(input: TokenExchangeResponseInput): TokenExchangeResponse {
  for (const member of ['access_token', 'issued_token_type', 'token_type'] as const) {
    if (typeof input[member] !== 'string' || input[member] === '') throw new TypeError(`${member} must be a non-empty string`);
  }
  if (!Number.isSafeInteger(input.expires_in) || input.expires_in <= 0) {
    throw new TypeError('expires_in must be a positive integer');
  }
  const scope = typeof input.scope === 'string' ? input.scope : input.scope?.join(' ');
  return {
    access_token: input.access_token,
    issued_token_type: input.issued_token_type,
    token_type: input.token_type,
    expires_in: input.expires_in,
    ...(scope && { scope }),
  };
}
