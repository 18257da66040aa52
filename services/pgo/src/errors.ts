/**
 * Errors the PGO shows the person as an HTML page. Each carries its HTTP status and a fixed,
 * human-readable text; none carries a token (docs/protocol.md §8 item 26).
 */

export class PageError extends Error {
  readonly status: number;
  readonly title: string;

  constructor(status: number, title: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.status = status;
    this.title = title;
  }
}

/** 400: the request itself is wrong (a missing or repeated parameter, a bad `state`). */
export class BadRequest extends PageError {
  constructor(message: string) {
    super(400, 'Ongeldig verzoek', message);
  }
}

/** The care provider refused (RFC 6749 §4.1.2.1), e.g. the person declined consent: no "Bad request" (docs/decisions.md I136). */
export class Refused extends PageError {
  constructor(message: string) {
    super(400, 'Geen toegang gekregen', message);
  }
}

/** 403: the session may not act on this dossier, or the form's CSRF token is wrong. */
export class Forbidden extends PageError {
  constructor(message: string) {
    super(403, 'Niet toegestaan', message);
  }
}

/** 404: no such dossier or Task. */
export class NotFound extends PageError {
  constructor(message: string) {
    super(404, 'Niet gevonden', message);
  }
}

/** 409: the dossier is not in a state for this action (nothing collected yet, token expired, finished Task). */
export class Conflict extends PageError {
  constructor(message: string) {
    super(409, 'Nu niet mogelijk', message);
  }
}

/**
 * 502: the DVA or DigiD answered with an error or with something the PGO cannot use.
 * `error` is the RFC 6749 §5.2 code when the peer sent one; the page shows only that code.
 */
export class UpstreamError extends PageError {
  readonly peer: string;
  readonly error: string | undefined;
  readonly upstreamStatus: number | undefined;

  constructor(peer: string, message: string, details: { error?: string; status?: number; cause?: unknown } = {}) {
    super(502, `Fout bij ${peer}`, message, { cause: details.cause });
    this.peer = peer;
    this.error = details.error;
    this.upstreamStatus = details.status;
  }
}
