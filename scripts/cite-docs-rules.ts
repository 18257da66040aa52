/**
 * Where a citation of the protocol reference points inside the repository (docs/protocol.md and its
 * siblings), and which citation forms are left unmapped. Shared by scripts/cite-docs.ts (the rewrite)
 * and test/docs/standalone.test.ts (the check).
 */

/** One rewrite: every match of `pattern` becomes `replacement` (String.prototype.replace syntax or function). */
export interface CitationRewrite {
  readonly pattern: RegExp;
  readonly replacement: string | ((match: string) => string);
}

/** A path prefix to the reference material outside the repository: `../shared/`, `../../shared/`, `/work/shared/`. */
const SHARED = String.raw`(?:(?:\.\./)+|/work/)shared/`;
/** Not part of a longer name or path, and not a relative Markdown link target. */
const BARE = String.raw`(?<![\w/.-])(?<!\]\()`;

/** Applied in this order; the output of every rule matches no rule, so a second run changes nothing. */
export const REWRITES: readonly CitationRewrite[] = [
  { pattern: new RegExp(`${SHARED}spec/koppelmij-protocol\\.md`, 'g'), replacement: 'docs/protocol.md' },
  { pattern: new RegExp(`${SHARED}spec/identity-check\\.md`, 'g'), replacement: 'docs/identity-check-reference.md' },
  { pattern: new RegExp(`${SHARED}spec/decisions\\.md`, 'g'), replacement: 'docs/decisions-protocol.md' },
  { pattern: new RegExp(`${SHARED}spec/security-checklists\\.md`, 'g'), replacement: 'docs/security-checklists.md' },
  { pattern: new RegExp(`${SHARED}notes/oidc-provider\\.md`, 'g'), replacement: 'docs/oidc-provider-notes.md' },
  { pattern: new RegExp(`${SHARED}DESIGN\\.md`, 'g'), replacement: 'docs/conventions.md' },
  { pattern: new RegExp(`${SHARED}spec/?(?![\\w.-])`, 'g'), replacement: 'docs/' },
  { pattern: new RegExp(`${BARE}koppelmij-protocol(?:\\.md)?(?= §|\\b)`, 'gi'), replacement: 'docs/protocol.md' },
  { pattern: /\bspec §/gi, replacement: 'docs/protocol.md §' },
  { pattern: /\bspec identity-check\.md/gi, replacement: 'docs/identity-check-reference.md' },
  { pattern: new RegExp(`${BARE}identity-check\\.md`, 'g'), replacement: 'docs/identity-check-reference.md' },
  { pattern: /\bdecisions? (D\d)/gi, replacement: 'docs/decisions-protocol.md $1' },
  { pattern: /\bnotes (§|gotcha )/gi, replacement: 'docs/oidc-provider-notes.md $1' },
  { pattern: new RegExp(`${BARE}security-checklists(?!\\.md)`, 'g'), replacement: 'docs/security-checklists.md' },
  { pattern: /(?<![\w-])checklist §/gi, replacement: 'docs/security-checklists.md §' },
  { pattern: new RegExp(`${BARE}DESIGN\\.md`, 'g'), replacement: 'docs/conventions.md' },
  { pattern: /\bseed doc(?:ument)? §/gi, replacement: 'docs/identity-check-reference.md §' },
  { pattern: /\bKoppelmij §/gi, replacement: 'docs/protocol.md §' },
  { pattern: /\bspec (W\d)/gi, replacement: 'docs/protocol.md §3.1.1 $1' },
  // only the protocol has numbered items in a §8: a line that names no document gets docs/protocol.md
  { pattern: /^.*§8 items? \d.*$/gm, replacement: (line) => (line.includes('docs/protocol.md') ? line : line.replace(/§8 (items? \d)/, 'docs/protocol.md §8 $1')) },
];

/** Citation forms that must not remain once the rewrite ran: each names what it means. */
export const UNMAPPED: readonly { readonly pattern: RegExp; readonly what: string }[] = [
  { pattern: /\bshared\/(?:spec|notes|DESIGN)/, what: 'a path to the reference material outside the repository' },
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

/** Files the rewrite and the check look at: tracked, outside node_modules, of these kinds. */
export const CITING_FILE = /\.(?:ts|md|json|ya?ml)$/;

/** Files that spell the citation forms on purpose (the rules and their tests). */
export const SELF = new Set(['scripts/cite-docs-rules.ts', 'scripts/cite-docs.ts', 'test/docs/standalone.test.ts', 'test/docs/cite-docs.test.ts']);

/** The text with every citation pointed into docs/. */
export function rewriteCitations(text: string): string {
  return REWRITES.reduce(
    (out, { pattern, replacement }) => (typeof replacement === 'string' ? out.replace(pattern, replacement) : out.replace(pattern, replacement)),
    text,
  );
}

/** Every unmapped citation in `text`, as `line: what — the line`. */
export function unmappedCitations(text: string): string[] {
  const found: string[] = [];
  text.split('\n').forEach((line, i) => {
    for (const { pattern, what } of UNMAPPED) if (pattern.test(line)) found.push(`${i + 1}: ${what} — ${line.trim().slice(0, 160)}`);
  });
  return found;
}
