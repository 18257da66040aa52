/**
 * The syntax of an OAuth `error` value (RFC 6749 §4.1.2.1, §5.2, Appendix A.7):
 * `error = 1*NQSCHAR`, NQSCHAR = %x20-21 / %x23-5B / %x5D-7E. One rule for every client that
 * shows or reports an error code a peer sent.
 */

// RFC 6749 Appendix A.7; at most 64 characters, enough for every registered code
const ERROR_CODE = /^[\x20\x21\x23-\x5B\x5D-\x7E]{1,64}$/;

/** `value` when it is an RFC 6749 `error` value; undefined for anything else (a missing, empty or foreign value). */
export function oauthErrorCode(value: unknown): string | undefined {
  return typeof value === 'string' && ERROR_CODE.test(value) ? value : undefined;
}

// RFC 6749 Appendix A.8: `error-description = 1*( %x20-21 / %x23-5B / %x5D-7E )`, the same characters; at most 200 shown
const ERROR_DESCRIPTION = /^[\x20\x21\x23-\x5B\x5D-\x7E]{1,200}$/;

/** `value` when it is an RFC 6749 `error_description` a client may show (at most 200 characters); undefined otherwise. */
export function oauthErrorDescription(value: unknown): string | undefined {
  return typeof value === 'string' && ERROR_DESCRIPTION.test(value) ? value : undefined;
}
