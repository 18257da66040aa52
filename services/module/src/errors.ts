/**
 * A request the module refuses, shown to the person as an error page with `data-testid="module-error"`.
 * `message` is a fixed text; `code` is at most an OAuth error code or an HTTP status from the other
 * side. Neither ever carries a token, a launch code or a stack trace.
 */
export class ModuleError extends Error {
  readonly status: number;
  readonly code: string | undefined;
  /** A link back to the form, for input the person can correct. */
  readonly back: string | undefined;
  /** The authorization server's `error_description`, when it is RFC 6749 §4.1.2.1 syntax. */
  readonly description: string | undefined;

  constructor(status: number, message: string, options: { code?: string; back?: string; description?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'ModuleError';
    this.status = status;
    this.code = options.code;
    this.back = options.back;
    this.description = options.description;
  }
}
