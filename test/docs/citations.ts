/**
 * Citation forms that must not appear in the repository: each points at protocol reference material
 * that no clone has. Every rule of the protocol is cited through docs/ (docs/decisions.md I125–I127).
 */

// a bare file name, not already inside a docs/ path
const BARE = String.raw`(?<![\w/.-])(?<!\]\()`;

export const UNMAPPED: readonly { readonly pattern: RegExp; readonly what: string }[] = [
  { pattern: /(?:\.\.\/|\/work\/)shared\/|\bshared\/(?:spec|notes|DESIGN)/, what: 'a path to reference material outside the repository' },
  { pattern: new RegExp(`${BARE}koppelmij-protocol`, 'i'), what: 'the protocol reference by its file name' },
  { pattern: /\bspec §/i, what: '"spec §" not pointing to docs/protocol.md' },
  { pattern: /\bdecisions? D\d/i, what: '"decision D<n>" not pointing to docs/decisions-protocol.md' },
  { pattern: /\bnotes (?:§|gotcha )/i, what: '"notes §" not pointing to docs/oidc-provider-notes.md' },
  { pattern: new RegExp(`${BARE}security-checklists(?!\\.md)|(?<![\\w-])checklist §`, 'i'), what: 'a checklist not pointing to docs/security-checklists.md' },
  { pattern: new RegExp(`${BARE}(?:identity-check|DESIGN)\\.md`), what: 'a reference file by its bare name' },
  { pattern: /\bseed doc|attack-catalogue/i, what: 'a reference document with no counterpart in docs/' },
  { pattern: /\bKoppelmij §|\bspec W\d/i, what: 'a protocol section not pointing to docs/protocol.md' },
  { pattern: /^(?!.*docs\/protocol\.md).*§8 items? \d/, what: 'a "§8 item" on a line that names no document' },
];

/** Files the check looks at: tracked, outside node_modules, of these kinds. */
export const CITING_FILE = /\.(?:ts|md|json|ya?ml)$/;

/** Files that spell the forbidden forms on purpose. */
export const SELF = new Set(['test/docs/citations.ts', 'test/docs/standalone.test.ts']);

/** Every unmapped citation in `text`, as `line: what — the line`. */
export function unmappedCitations(text: string): string[] {
  const found: string[] = [];
  text.split('\n').forEach((line, i) => {
    for (const { pattern, what } of UNMAPPED) if (pattern.test(line)) found.push(`${i + 1}: ${what} — ${line.trim().slice(0, 160)}`);
  });
  return found;
}
