/**
 * The identity check under representation (docs/identity-check-reference.md): is the person whose dossier is
 * open in the PGO the patient bound to the token? State per collect grant in the shared store
 * (the attempt counter, the match, the lock), so it holds across instances and across the
 * grant's refreshed and derived tokens; the gate that keeps data back until `match`.
 *
 * Who may lock what (docs/decisions.md I90): a check counts, matches and locks in the caller's own
 * context, the grant of the token presenting it (a grant belongs to one client), never in the
 * collect grant a module token derives from. The collect grant's verdict reaches its derived
 * tokens; a module's verdict reaches only its own launch, so no party denies service to another.
 *
 * The comparison itself is core's `matchIdentity`; this module decides when it applies and what
 * it unlocks. It is never an oracle: the answer carries no DVA data and does not say which field
 * differed, every mismatch is the same answer after the same work, and attempts are limited.
 */
import type { AccessTokenClaims } from '@koppelmij/core/access-token';
import { FhirError } from '@koppelmij/core/errors';
import { matchIdentity, type IdentityMatchResult, type PersonData } from '@koppelmij/core/identity';
import { tupleKey, type KeyValueStore } from '@koppelmij/core/store';
import type { IdentityCheckConfig } from './config.ts';
import type { FhirData } from './data/fhir-data.ts';
import { isObject, type FhirResource } from './data/resource.ts';
import type { Access } from './policy.ts';

const BSN_SYSTEM = 'http://fhir.nl/fhir/NamingSystem/bsn';

/** The gate's one answer, for "not yet checked" and "locked" alike (docs/identity-check-reference.md "Gate"). */
export const IDENTITY_CHECK_REQUIRED = 'identity check required';

/** How the check applies to one token (docs/identity-check.md "Which tokens"). */
export interface IdentityScope {
  /** The collect grant whose check covers the token: `identity_grant` (derived tokens) or the token's own `grant_id`. */
  grant: string;
  /** The caller's own context, where its checks count and lock: the token's own `grant_id` (a collect grant, a launch's grant). */
  context?: string;
  /** The gate keeps data back until `match`. */
  required: boolean;
}

/** The endpoint's identity answer; `attemptsLeft` is 0 after every mismatch (the grant is locked). */
export interface IdentityVerdict {
  identity: IdentityMatchResult;
  attemptsLeft: number;
}

/** What the audit trail gets of one identity check: field names, never their values. */
export interface IdentityAudit {
  identity: IdentityMatchResult;
  /** The request's `person` fields that carried a value. */
  fields: string[];
  attempt: number;
  reason?: 'locked' | 'attempts exhausted';
}

export class IdentityCheck {
  readonly #options: IdentityCheckConfig;
  readonly #store: KeyValueStore;
  readonly #data: FhirData;

  constructor(options: IdentityCheckConfig, store: KeyValueStore, data: FhirData) {
    this.#options = options;
    this.#store = store;
    this.#data = data;
  }

  /**
   * The check's scope for a patient token. Required when the switch says `always`, or
   * `representation` and the DVA marked the token as issued under representation (the
   * `representation` claim: the person was chosen by a representative at DigiD), for a collect
   * token or a token derived from a collect grant; never for a module token of a launch the DVA
   * authenticated itself (decision I39). A lock holds for every token of its grant.
   *
   * @throws FhirError 403 `forbidden` for a token without any grant to keep state for
   */
  scope(claims: AccessTokenClaims): IdentityScope {
    const context = nonEmpty(claims.grant_id);
    const grant = nonEmpty(claims.identity_grant) ?? context;
    if (grant === undefined) throw new FhirError(403, 'forbidden', 'The access token has no grant');
    const scope = { grant, ...(context !== undefined && { context }) };
    // decision I39: the check is about a PGO dossier, so it covers a collect grant and what derives
    // from it (`identity_grant`); a module token derived from no collect grant (option 3b, level S)
    // is bound at the DVA to the person who logged in there, and has no dossier check to wait for
    if (claims.fhirContext !== undefined && claims.identity_grant === undefined) return { ...scope, required: false };
    const { when, required } = this.#options;
    const applies = when === 'always' || (when === 'representation' && claims.representation === true);
    return { ...scope, required: required && applies };
  }

  /**
   * Whether the token may reach data now: never after a mismatch in its own context or in the
   * collect grant it derives from (the lock, whatever the switches), and under a required check
   * only after a `match` of that collect grant.
   */
  async allows(access: Access): Promise<boolean> {
    if (access.kind === 'system') return true;
    const { grant, context, required } = this.scope(access.claims);
    const locks = [...new Set([grant, context])].filter((g) => g !== undefined).map((g) => this.#store.get(stateKeys(g).locked));
    const [matched, ...locked] = await Promise.all([this.#store.get(stateKeys(grant).matched), ...locks]);
    return locked.every((l) => l === undefined) && (!required || matched !== undefined);
  }

  /**
   * The gate in front of every data route (docs/identity-check-reference.md "Gate").
   *
   * @throws FhirError 403 `security` "identity check required"
   */
  async gate(access: Access): Promise<void> {
    if (!(await this.allows(access))) throw new FhirError(403, 'security', IDENTITY_CHECK_REQUIRED);
  }

  /**
   * One identity check in the caller's own context (decision I90): counts the attempt, compares
   * `person` with the DVA's own data of the token's patient, and records the outcome there (a
   * match unlocks the context, a mismatch locks it). Beyond the limit, and once the context or
   * the collect grant it derives from is locked, the answer is `mismatch`. Every call does the
   * same store operations in the same order and always runs the comparison, so a mismatch cannot
   * be told apart by its timing from another mismatch.
   *
   * @throws FhirError 403 `forbidden` for a token without a grant of its own to count in
   */
  async check(access: Access, person: PersonData): Promise<{ verdict: IdentityVerdict; audit: IdentityAudit }> {
    const { grant, context } = this.scope(access.claims);
    // docs/decisions.md I90: never the collect grant of a derived token, or its holder could be locked out by the module
    if (context === undefined) throw new FhirError(403, 'forbidden', 'The access token has no grant of its own');
    const keys = stateKeys(context);
    const { attempts, ttl, requiredFields } = this.#options;
    // the DVA's record first: a data store that cannot answer (503) costs no attempt
    const patient = await this.#data.read('Patient', access.patient!);
    const attempt = await this.#store.increment(keys.attempts, ttl);
    const compared = matchIdentity(person, dvaIdentity(patient), { requiredFields });
    const lockKeys = [...new Set([context, grant])].map((g) => stateKeys(g).locked);
    const locked = (await Promise.all(lockKeys.map((k) => this.#store.get(k)))).some((l) => l !== undefined);
    const exhausted = attempt > attempts;
    const identity: IdentityMatchResult = locked || exhausted ? 'mismatch' : compared;
    // docs/identity-check-reference.md: "A mismatch locks the token"; separate keys, so a late match never lifts a lock
    if (identity === 'mismatch') await this.#store.set(keys.locked, 1, ttl);
    else if (identity === 'match') await this.#store.set(keys.matched, 1, ttl);
    const reason = locked ? 'locked' : exhausted ? 'attempts exhausted' : undefined;
    return {
      verdict: { identity, attemptsLeft: identity === 'mismatch' ? 0 : Math.max(0, attempts - attempt) },
      audit: { identity, fields: presentFields(person), attempt, ...(reason && { reason }) },
    };
  }
}

/**
 * The DVA's own identifying data of a Patient: the BSN identifier, the official name (else the
 * first) and the birth date. A missing Patient is an empty record, so `insufficient-data`.
 */
export function dvaIdentity(patient: FhirResource | undefined): PersonData {
  if (!patient) return {};
  const identifiers = Array.isArray(patient.identifier) ? patient.identifier.filter(isObject) : [];
  const bsn = identifiers.find((i) => i.system === BSN_SYSTEM)?.value;
  const names = Array.isArray(patient.name) ? patient.name.filter(isObject) : [];
  const name = names.find((n) => n.use === 'official') ?? names[0];
  const given = Array.isArray(name?.given) ? name.given.filter((g): g is string => typeof g === 'string') : undefined;
  return {
    ...(typeof bsn === 'string' && { bsn }),
    ...(typeof name?.family === 'string' && { family: name.family }),
    ...(given?.length && { given }),
    ...(typeof patient.birthDate === 'string' && { birthDate: patient.birthDate }),
  };
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function presentFields(person: PersonData): string[] {
  return Object.entries(person)
    .filter(([, value]) => (Array.isArray(value) ? value.length > 0 : typeof value === 'string' && value !== ''))
    .map(([field]) => field)
    .sort();
}

// Hashed keys (core tupleKey): a store dump does not hand out grant ids.
function stateKeys(grant: string) {
  return {
    attempts: tupleKey('identity-check:attempts', grant),
    matched: tupleKey('identity-check:match', grant),
    locked: tupleKey('identity-check:lock', grant),
  };
}
