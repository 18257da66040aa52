/**
 * The identity check's comparison (docs/identity-check-reference.md, "Matching"): is the person whose dossier is
 * open in the PGO the patient bound to the token? Pure; attempt counting and locking live in the
 * service that calls it.
 */
import { isValidBsn } from './bsn.ts';
import { initialsFromGiven, normaliseFamilyName, normaliseInitials } from './names.ts';

/** Identifying data as the identity-check request and the DVA's record carry it. */
export interface PersonData {
  bsn?: string;
  family?: string;
  given?: string[];
  initials?: string;
  /** FHIR `date`, `YYYY-MM-DD`. */
  birthDate?: string;
}

export type IdentityMatchResult = 'match' | 'mismatch' | 'insufficient-data';

export type IdentityField = 'bsn' | 'birthDate' | 'family' | 'initials';

export interface MatchIdentityOptions {
  /**
   * The fields both sides must carry when no BSN decides (docs/identity-check-reference.md: "configuration").
   * Default `['birthDate', 'family']`. With `'bsn'`, only a BSN on both sides can lead to `match`.
   */
  requiredFields?: readonly IdentityField[];
  /**
   * `exact` (default): normalised initials must be equal. `prefix`: one may be a prefix of the
   * other ("A." against "A.M."), for a side that knows only the first given name.
   */
  initials?: 'exact' | 'prefix';
}

/** The required fields when none are configured. */
export const DEFAULT_REQUIRED_FIELDS: readonly IdentityField[] = ['birthDate', 'family'];

type Canonical = Partial<Record<IdentityField, string>>;

/**
 * Compares `presented` (from the PGO) with `onRecord` (the DVA's patient). Never throws.
 *
 * 1. A valid BSN (nine digits, elfproef) on both sides decides on its own: equal → `match`,
 *    different → `mismatch`. An invalid BSN counts as absent: it can neither match nor block, and
 *    the demographic rules below decide exactly as if it had not been sent.
 * 2. Otherwise each of birth date (exact, full `YYYY-MM-DD` calendar date), family name
 *    ({@link normaliseFamilyName}) and initials (explicit, else derived from `given`) that both
 *    sides carry is compared; any difference → `mismatch`. A different birth date never matches.
 * 3. A required field missing (or unusable) on either side → `insufficient-data`.
 * 4. Initials alone never decide: without a compared birth date or family name → `insufficient-data`.
 * 5. Else `match`.
 *
 * A known difference wins over missing data, so `insufficient-data` never hides a `mismatch`.
 */
export function matchIdentity(presented: PersonData, onRecord: PersonData, options: MatchIdentityOptions = {}): IdentityMatchResult {
  const a = canonical(presented);
  const b = canonical(onRecord);

  if (a.bsn !== undefined && b.bsn !== undefined) return a.bsn === b.bsn ? 'match' : 'mismatch';

  let decisive = false;
  for (const field of ['birthDate', 'family', 'initials'] as const) {
    const x = a[field];
    const y = b[field];
    if (x === undefined || y === undefined) continue;
    const same = field === 'initials' && options.initials === 'prefix' ? x.startsWith(y) || y.startsWith(x) : x === y;
    if (!same) return 'mismatch';
    if (field !== 'initials') decisive = true;
  }

  for (const field of options.requiredFields ?? DEFAULT_REQUIRED_FIELDS) {
    if (a[field] === undefined || b[field] === undefined) return 'insufficient-data';
  }
  return decisive ? 'match' : 'insufficient-data';
}

function canonical(person: unknown): Canonical {
  if (typeof person !== 'object' || person === null) return {};
  const p = person as Record<string, unknown>;
  return {
    bsn: isValidBsn(p.bsn) ? p.bsn : undefined,
    birthDate: calendarDate(p.birthDate),
    family: normaliseFamilyName(p.family) || undefined,
    initials: normaliseInitials(p.initials) || initialsFromGiven(p.given) || undefined,
  };
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

// FHIR `date` at day precision that exists in the calendar; partial dates cannot confirm a person.
function calendarDate(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const m = DATE.exec(value);
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  const exists = date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  return exists ? value : undefined;
}
