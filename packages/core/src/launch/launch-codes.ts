import { InvalidGrant } from '../errors/oauth-error.ts';
import { assertTtl, type KeyValueStore } from '../store/types.ts';
import { systemClock, type Clock } from '../util/clock.ts';
import { randomToken, sha256b64url, timingSafeEqualString } from '../util/random.ts';

/** Who may redeem a code: the audience client, and optionally a browser correlation value. */
export interface LaunchBinding {
  /** The module `client_id` the code was issued for (docs/protocol.md §3.1.1 W13; §8 item 12). */
  client_id: string;
  /** e.g. the id behind the Module DVA Authentication cookie (docs/protocol.md §3.1.1 W4, W13; docs/decisions-protocol.md D7). */
  correlation?: string;
}

/** What the store holds under the code's hash (docs/security-checklists.md §2 (12)). */
export interface LaunchRecord<T> {
  context: T;
  binding: LaunchBinding;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

export interface LaunchCodesOptions {
  /** Store key prefix, one per kind of code (e.g. `launch`, `temp-token`). */
  namespace: string;
  /** Lifetime in seconds; default 180 (docs/protocol.md §3.1.1 W8, switch `launchCode.ttl` in §7.4). */
  ttl?: number;
  clock?: Clock;
}

const INVALID = 'launch code is invalid, expired or already used';

/**
 * A redemption whose code existed but whose binding did not match. The code is burned
 * all the same (docs/decisions-protocol.md D8); `reason` is for the audit event, not for the client, which
 * sees the same `invalid_grant` as for an unknown code.
 */
export class LaunchBindingMismatch extends InvalidGrant {
  readonly reason: 'client' | 'correlation';

  constructor(reason: 'client' | 'correlation') {
    super(INVALID);
    this.reason = reason;
  }
}

// randomToken() yields 43 base64url characters; anything outside this shape was never issued.
const CODE = /^[A-Za-z0-9_-]{1,512}$/;

/**
 * Opaque, single-use, short-lived codes that stand for a server-side context: the Koppelmij
 * launch code (docs/protocol.md §3.1.1 W7–W13, §3.1.3) and similar artefacts such as the option 2b
 * temporary token (docs/protocol.md §3.4).
 *
 * The store sees only SHA-256 of a code, never the code. Redemption is one atomic
 * {@link KeyValueStore.take} (docs/decisions-protocol.md D12), so of concurrent redemptions exactly one wins,
 * also across instances sharing a Redis store.
 */
export class LaunchCodes<T> {
  readonly #store: KeyValueStore;
  readonly #namespace: string;
  readonly #ttl: number;
  readonly #clock: Clock;

  constructor(store: KeyValueStore, options: LaunchCodesOptions) {
    if (options.namespace === '') throw new TypeError('namespace must not be empty');
    this.#store = store;
    this.#namespace = options.namespace;
    this.#ttl = options.ttl ?? 180;
    assertTtl(this.#ttl);
    this.#clock = options.clock ?? systemClock;
  }

  /**
   * Stores `context` under a fresh 256-bit code bound to `binding`.
   * @returns the code and its lifetime in seconds, for the RFC 8693 §2.2.1 `expires_in`
   */
  async issue(context: T, binding: LaunchBinding): Promise<{ code: string; expires_in: number }> {
    if (typeof binding.client_id !== 'string' || binding.client_id === '') throw new TypeError('binding.client_id must be a non-empty string');
    const code = randomToken();
    const record: LaunchRecord<T> = { context, binding: { ...binding }, exp: this.#clock() + this.#ttl };
    await this.#store.set(this.#key(code), record, this.#ttl);
    return { code, expires_in: this.#ttl };
  }

  /**
   * Consumes `code` and returns its context when `presented` matches the issue binding.
   * A mismatch burns the code too (docs/decisions-protocol.md D8): a thief racing the owner gets no second try.
   *
   * @throws {LaunchBindingMismatch} the code was live but bound to another client or correlation value
   * @throws {InvalidGrant} the code is malformed, unknown, expired or already used (docs/protocol.md §8 item 11)
   */
  async redeem(code: string, presented: LaunchBinding): Promise<T> {
    if (!CODE.test(code)) throw new InvalidGrant(INVALID);
    const record = await this.#store.take<LaunchRecord<T>>(this.#key(code)); // docs/decisions-protocol.md D12: one atomic take
    if (record === undefined || record.exp <= this.#clock()) throw new InvalidGrant(INVALID);

    // docs/protocol.md §8 item 12: only the audience client may redeem the code
    if (presented.client_id !== record.binding.client_id) throw new LaunchBindingMismatch('client');
    // docs/protocol.md §3.1.1 W13: "This cookie binding is what stops a stolen launch URL from working in another browser"
    const bound = record.binding.correlation;
    if (bound !== undefined && (presented.correlation === undefined || !timingSafeEqualString(presented.correlation, bound))) {
      throw new LaunchBindingMismatch('correlation');
    }
    return record.context;
  }

  /**
   * The live record behind `code`, without consuming it: for checks before the atomic
   * {@link LaunchCodes.redeem}. Never treat a peek as a redemption.
   */
  async peek(code: string): Promise<LaunchRecord<T> | undefined> {
    if (!CODE.test(code)) return undefined;
    const record = await this.#store.get<LaunchRecord<T>>(this.#key(code));
    return record !== undefined && record.exp > this.#clock() ? record : undefined;
  }

  /** Invalidates `code`, e.g. when the subject grant is revoked (docs/security-checklists.md §2 (13)). */
  async revoke(code: string): Promise<void> {
    if (CODE.test(code)) await this.#store.delete(this.#key(code));
  }

  #key(code: string): string {
    return `${this.#namespace}:${sha256b64url(code)}`;
  }
}
