import { InvalidRequest, InvalidToken } from '../errors/oauth-error.ts';

/** One party in a delegation: the identity claims RFC 8693 §4.1 keeps inside `act`. */
export interface Actor {
  sub: string;
  /** RFC 8693 §4.3 */
  client_id?: string;
}

/** RFC 8693 §4.1 `act` claim: the current actor, with any prior actor nested in its own `act`. */
export interface ActClaim extends Actor {
  act?: ActClaim;
}

/** Longest delegation chain accepted or produced; deeper chains are refused, not truncated. */
export const MAX_ACT_DEPTH = 8;

/**
 * The `act` claim for a token issued by exchange (docs/security-checklists.md §2 (11)): `actor` on
 * top, and the subject token's own `act`, if any, nested inside (RFC 8693 §4.1 example).
 * Only identity claims are carried over; RFC 8693 §4.1 says `exp`, `nbf` and `aud` "are not
 * meaningful when used within an act claim".
 *
 * Whether a subject token that already has an `act` may be exchanged at all is the caller's
 * policy (docs/security-checklists.md §2 (5), "no chaining").
 *
 * @throws {InvalidRequest} the subject token's `act` is malformed or already {@link MAX_ACT_DEPTH} deep (RFC 8693 §2.2.2)
 */
export function delegate(subjectClaims: { act?: unknown }, actor: Actor): ActClaim {
  if (typeof actor.sub !== 'string' || actor.sub === '') throw new TypeError('actor.sub must be a non-empty string');
  const prior = readChain(subjectClaims.act);
  if (prior === undefined || prior.length >= MAX_ACT_DEPTH) throw new InvalidRequest('subject_token is invalid');
  return nest(identity(actor), prior);
}

/**
 * The `sub` of every actor in `claims.act`, the current actor first and the earliest last.
 * Empty when the token has no `act`.
 *
 * @throws {InvalidToken} `act` is malformed or deeper than {@link MAX_ACT_DEPTH}
 */
export function actorChain(claims: { act?: unknown }): string[] {
  return validChain(claims).map((actor) => actor.sub);
}

/**
 * The current actor (RFC 8693 §4.1): the outermost `act`, without the nested prior actors,
 * which "are informational only and are not to be considered in access control decisions".
 *
 * @throws {InvalidToken} `act` is malformed or deeper than {@link MAX_ACT_DEPTH}
 */
export function currentActor(claims: { act?: unknown }): Actor | undefined {
  return validChain(claims)[0];
}

function validChain(claims: { act?: unknown }): Actor[] {
  const chain = readChain(claims.act);
  if (chain === undefined) throw new InvalidToken('act claim is malformed');
  return chain;
}

/** The actors of an `act` claim, outermost first; undefined when any level is malformed. */
function readChain(act: unknown): Actor[] | undefined {
  const chain: Actor[] = [];
  for (let node = act; node !== undefined; node = (node as { act?: unknown }).act) {
    if (chain.length === MAX_ACT_DEPTH || !isActor(node)) return undefined;
    chain.push(identity(node));
  }
  return chain;
}

function isActor(node: unknown): node is Actor {
  if (typeof node !== 'object' || node === null) return false;
  const { sub, client_id } = node as Record<string, unknown>;
  return typeof sub === 'string' && sub !== '' && (client_id === undefined || typeof client_id === 'string');
}

function identity({ sub, client_id }: Actor): Actor {
  return client_id === undefined ? { sub } : { sub, client_id };
}

function nest(current: Actor, prior: readonly Actor[]): ActClaim {
  const [previous, ...earlier] = prior;
  return previous === undefined ? current : { ...current, act: nest(previous, earlier) };
}
