import { createHmac } from 'node:crypto';
import { systemClock, type Clock } from '../util/clock.ts';
import { timingSafeEqualString } from '../util/random.ts';

export interface DpopNoncesOptions {
  /** Shared by every instance of the server; at least 32 bytes of CSPRNG output. */
  secret: Uint8Array;
  /** Seconds per nonce (default 60). */
  step?: number;
  /** How many steps either side of the current one are still accepted (default 2). */
  accept?: number;
  clock?: Clock;
}

// Domain separation, so the secret's HMAC outputs cannot be confused with another use of it.
const LABEL = 'koppelmij dpop-nonce v1:';

/**
 * Server-provided DPoP nonces (RFC 9449 §8 for the authorization server, §9 for resource servers).
 *
 * Stateless: a nonce is base64url(HMAC-SHA256(secret, label ‖ time-step counter)), so it is
 * unpredictable without the secret (RFC 9449 §8: "nonce values … MUST be unpredictable") and
 * every instance built with the same secret issues and accepts the same nonces, with no shared store.
 * A nonce also bounds the proof's age to `accept` steps (RFC 9449 §11.2, §4.3 (11)).
 */
export class DpopNonces {
  readonly #secret: Uint8Array;
  readonly #step: number;
  readonly #accept: number;
  readonly #clock: Clock;

  constructor(options: DpopNoncesOptions) {
    if (options.secret.byteLength < 32) throw new RangeError('DpopNonces: the secret must be at least 32 bytes');
    this.#secret = Uint8Array.from(options.secret);
    this.#step = options.step ?? 60;
    this.#accept = options.accept ?? 2;
    if (!(this.#step > 0)) throw new RangeError('DpopNonces: step must be a positive number of seconds');
    if (!Number.isInteger(this.#accept) || this.#accept < 0) throw new RangeError('DpopNonces: accept must be a whole number >= 0');
    this.#clock = options.clock ?? systemClock;
  }

  /** The nonce to send now in a `DPoP-Nonce` header. */
  current(): string {
    return this.#nonce(this.#counter());
  }

  /** True when `nonce` was issued (by any instance sharing the secret) within `accept` steps of now. */
  isValid(nonce: string): boolean {
    const now = this.#counter();
    let valid = false;
    // Compare against every accepted step without an early exit, each in constant time.
    for (let counter = now - this.#accept; counter <= now + this.#accept; counter++) {
      valid = timingSafeEqualString(this.#nonce(counter), nonce) || valid;
    }
    return valid;
  }

  #counter(): number {
    return Math.floor(this.#clock() / this.#step);
  }

  #nonce(counter: number): string {
    return createHmac('sha256', this.#secret).update(`${LABEL}${counter}`).digest('base64url');
  }
}
