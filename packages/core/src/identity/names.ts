/**
 * Name normalisation for the identity check (docs/identity-check-reference.md, "Matching"): case, diacritics,
 * whitespace, Dutch family-name prefixes (voorvoegsels) and initials (voorletters).
 *
 * Every function takes `unknown` and returns `''` for anything that is not a string, so odd input
 * from a request body never throws.
 */

/**
 * The prefix words recognised after a comma ("Berg, van der"), case-folded. Any sequence of them
 * counts as a prefix, which covers the combinations of the BRP's voorvoegsel table: van, van der,
 * van den, van de, de, den, der, ter, ten, te, het, 't, in 't, op de, op ten, aan de, uit den, d', l', …
 */
export const DUTCH_NAME_PREFIXES: ReadonlySet<string> = new Set([
  'van', 'de', 'den', 'der', 'des', 'het', "'t", "'s", 'te', 'ten', 'ter', 'in', 'op', 'aan', 'bij', 'onder',
  'over', 'uit', 'uijt', 'uyt', 'voor', 'tot', 'toe', 'to', 'thoe', 'ver',
  "d'", "l'", 'la', 'le', 'les', 'du', 'di', 'da', 'dal', 'del', 'della', 'dos', 'do', 'el', 'los',
  'von', 'vom', 'zu', 'zum', 'zur', 'am', 'auf', 'aus', 'dem', 'die',
]);

// Typographic apostrophes, primes and accents used as apostrophes; mapped before NFKD turns ´ into a mark.
const APOSTROPHES = /[\u2018\u2019\u02BC\u0060\u00B4\u2032]/g;
const DASHES = /[\u2010\u2011\u2012\u2013\u2014\u2212]/g;
// Letters NFKD does not decompose.
const SPECIAL: Record<string, string> = { ß: 'ss', ø: 'o', æ: 'ae', œ: 'oe', ł: 'l', đ: 'd', ı: 'i' };
// An elided prefix glued to the name: "d'Ancona" → "d' ancona", the form "Ancona, d'" moves to.
const GLUED_ELISION = /(^|\s)([dl])'(?=\p{L})/gu;

/** Case-fold and strip diacritics: NFKD, drop combining marks, lower-case, spell out ß ø æ œ ł đ ı. */
export function foldName(value: string): string {
  return value
    .replace(APOSTROPHES, "'")
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[ßøæœłđı]/g, (c) => SPECIAL[c] ?? c);
}

/**
 * The canonical form of a family name: folded ({@link foldName}), one space between words, no
 * spaces around hyphens, and a prefix given after a comma moved to the front. So "Berg, van der",
 * "van der Berg", "VAN DER BERG" and "Van der Bérg" all become `van der berg`.
 *
 * A prefix is part of the name: "Berg" and "van der Berg" stay different. Abbreviations such as
 * "v.d." are not expanded (they are ambiguous between van de, van den and van der).
 */
export function normaliseFamilyName(name: unknown): string {
  if (typeof name !== 'string') return '';
  let s = collapse(foldName(name).replace(DASHES, '-').replace(/\s*-\s*/g, '-'));
  const comma = s.indexOf(',');
  if (comma !== -1) {
    const main = s.slice(0, comma).trim();
    const tail = s.slice(comma + 1).trim();
    s = isPrefix(tail) ? `${tail} ${main}` : s.replace(/,/g, ' ');
  }
  return collapse(s.replace(GLUED_ELISION, "$1$2' "));
}

/**
 * The canonical form of initials: folded letters only, so "A.B." = "A. B." = "ab" = `ab`.
 *
 * A group written in mixed case ("Th.", "Chr.", "Ij.") abbreviates one given name and counts as
 * that name's initial; any other group counts letter by letter ("AB", "IJ", "ab"). The Dutch
 * digraph IJ is one initial, `ij`, as in {@link initialsFromGiven} ("IJsbrand" → `ij`).
 */
export function normaliseInitials(initials: unknown): string {
  if (typeof initials !== 'string') return '';
  let out = '';
  for (const group of initials.split(/[^\p{L}\p{M}]+/u)) {
    if (group === '') continue;
    const mixedCase = group !== group.toUpperCase() && group !== group.toLowerCase();
    out += mixedCase ? initialOf(group) : lettersOf(group);
  }
  return out;
}

/**
 * Initials derived from given names (FHIR `HumanName.given`), one per name; an element holding
 * several names separated by spaces ("Anna Maria") counts each. Hyphenated names count once.
 */
export function initialsFromGiven(given: unknown): string {
  if (!Array.isArray(given)) return '';
  let out = '';
  for (const element of given) {
    if (typeof element !== 'string') continue;
    for (const name of element.split(/\s+/)) out += initialOf(name);
  }
  return out;
}

function initialOf(name: string): string {
  const letters = lettersOf(name);
  return letters.startsWith('ij') ? 'ij' : ([...letters][0] ?? '');
}

function lettersOf(value: string): string {
  return foldName(value).replace(/[^\p{L}]/gu, '');
}

function isPrefix(words: string): boolean {
  return words.split(' ').every((w) => DUTCH_NAME_PREFIXES.has(w));
}

function collapse(value: string): string {
  return value.replace(/\s+/g, ' ').trim();
}
