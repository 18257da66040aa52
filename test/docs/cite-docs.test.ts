/**
 * The rewrite of scripts/cite-docs.ts: every citation form of the protocol reference points into docs/,
 * nothing else changes, and a second run changes nothing.
 */
import { describe, expect, it } from 'vitest';
import { rewriteCitations, unmappedCitations } from '../../scripts/cite-docs-rules.ts';

const cases: readonly [string, string][] = [
  ['// spec §8 item 13', '// docs/protocol.md §8 item 13'],
  ['(spec §3.1.1 W7; RFC 8693 §2.1)', '(docs/protocol.md §3.1.1 W7; RFC 8693 §2.1)'],
  [' * Spec §6.6: from a Task', ' * docs/protocol.md §6.6: from a Task'],
  ['(koppelmij-protocol §6.3, §6.4)', '(docs/protocol.md §6.3, §6.4)'],
  ['// decision D8', '// docs/decisions-protocol.md D8'],
  ['/** Decision D2: interop */', '/** docs/decisions-protocol.md D2: interop */'],
  ['(decisions D10, D11)', '(docs/decisions-protocol.md D10, D11)'],
  ['(notes §4)', '(docs/oidc-provider-notes.md §4)'],
  ['(notes gotcha 13)', '(docs/oidc-provider-notes.md gotcha 13)'],
  ['(security-checklists §2 (11))', '(docs/security-checklists.md §2 (11))'],
  ['// checklist §2 (2)', '// docs/security-checklists.md §2 (2)'],
  ['(security-checklists; RFC 9700 §4.10)', '(docs/security-checklists.md; RFC 9700 §4.10)'],
  ['(identity-check.md "Gate")', '(docs/identity-check-reference.md "Gate")'],
  ['(spec identity-check.md)', '(docs/identity-check-reference.md)'],
  ['(DESIGN.md conventions)', '(docs/conventions.md conventions)'],
  ['seed doc §4.2.4', 'docs/identity-check-reference.md §4.2.4'],
  ['`../shared/spec/koppelmij-protocol.md`', '`docs/protocol.md`'],
  ['`../shared/spec/identity-check.md`', '`docs/identity-check-reference.md`'],
  ['`../shared/spec/decisions.md`', '`docs/decisions-protocol.md`'],
  ['(`/work/shared/notes/oidc-provider.md`)', '(`docs/oidc-provider-notes.md`)'],
  ['in `../shared/spec/` (mirrored', 'in `docs/` (mirrored'],
  ['| Koppelmij §6.6, §8 item 25 |', '| docs/protocol.md §6.6, §8 item 25 |'],
  ['@throws ModuleError otherwise: spec W10 [impl], §8 item 29', '@throws ModuleError otherwise: docs/protocol.md §3.1.1 W10 [impl], §8 item 29'],
  ["it('rejects a bound token presented as Bearer (§7.2, §8 item 23)'", "it('rejects a bound token presented as Bearer (§7.2, docs/protocol.md §8 item 23)'"],
  ['/** §8 item 3: an unknown acr_values value is refused */', '/** docs/protocol.md §8 item 3: an unknown acr_values value is refused */'],
];

/** Text that must stay as it is: RFC sections, the repository's own docs, decisions I<n>, other file names. */
const untouched = [
  '// RFC 9449 §4.3 (9); RFC 8693 §2.2.2',
  '(docs/identity-check.md "Tokens"; docs/decisions.md I45)',
  "import { x } from './identity-check.ts'; // services/dva-fhir/test/identity-check.test.ts",
  'see [the check](identity-check.md)',
  'the specification §3 of OIDC; a checklist of things; D8 and D12 alone',
  '(docs/protocol.md §3.1.1 W13, §8 item 13)',
  '// RFC 9449 §8: nonces',
];

describe('scripts/cite-docs.ts', () => {
  it.each(cases)('rewrites %s', (before, after) => {
    expect(rewriteCitations(before)).toBe(after);
    expect(unmappedCitations(before)).not.toEqual([]);
    expect(unmappedCitations(after)).toEqual([]);
  });

  it('leaves everything else alone', () => {
    for (const text of untouched) expect(rewriteCitations(text)).toBe(text);
  });

  it('is idempotent', () => {
    const once = rewriteCitations(cases.map(([before]) => before).join('\n'));
    expect(rewriteCitations(once)).toBe(once);
  });
});
