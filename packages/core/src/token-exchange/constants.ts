/**
 * Identifiers of RFC 8693 (OAuth 2.0 Token Exchange) and of the Koppelmij profile
 * (spec Appendix A).
 */

/** RFC 8693 §2.1: the `grant_type` of a token-exchange request. */
export const GRANT_TYPE_TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';

/** Token type identifiers for `subject_token_type`, `actor_token_type`, `requested_token_type`, `issued_token_type`. */
export const TOKEN_TYPE = {
  /** RFC 8693 §3 */
  ACCESS_TOKEN: 'urn:ietf:params:oauth:token-type:access_token',
  /** RFC 8693 §3 */
  REFRESH_TOKEN: 'urn:ietf:params:oauth:token-type:refresh_token',
  /** RFC 8693 §3 */
  ID_TOKEN: 'urn:ietf:params:oauth:token-type:id_token',
  /** RFC 8693 §3: any JWT, e.g. the module's RFC 7523 assertion as `actor_token` in options 2a/2b (docs/protocol.md §3.3 step 9). */
  JWT: 'urn:ietf:params:oauth:token-type:jwt',
  /** The launch-preparation authorization code, sent as `actor_token` in 3a-W step W7. */
  LAUNCH_AUTHORIZATION_CODE: 'urn:medmij:token-type:launch-authorization-code',
  /** The launch code, requested and issued in 3a-W steps W7/W8. */
  LAUNCH_CODE: 'urn:medmij:token-type:launch-code',
  /** Older name of the launch code in the FSH `ext-ClientID` comment (docs/protocol.md §3.1.4). */
  ONE_TIME_CODE: 'medmij:token-type:one-time-code',
  /**
   * **[impl]** The option 2b temporary token (docs/protocol.md §3.4 step 9–11): the DVA issues it to the PGO, the
   * module presents it as `subject_token`. The IG names no type; docs/option-2a-2b.md.
   */
  TEMPORARY_EXCHANGE_TOKEN: 'urn:koppelmij:token-type:temporary-exchange-token',
} as const;

export type TokenType = (typeof TOKEN_TYPE)[keyof typeof TOKEN_TYPE];

/**
 * RFC 8693 §2.2.1: the `token_type` when the issued token is not an access token,
 * which is the case for the launch code (docs/protocol.md §3.1.1 W8).
 */
export const TOKEN_TYPE_N_A = 'N_A';

/** PAR `acr_values` that asks for launch authorization (3a-W step W1). */
export const ACR_LAUNCH_AUTHORIZATION = 'urn:medmij:oauth2:acr-value:launch-authorization';

/** The earlier `acr_values` of step W1, still accepted behind the `par.acrValues` switch (docs/protocol.md §7.4). */
export const ACR_STEP_UP = 'urn:medmij:oauth2:acr-value:step-up';
