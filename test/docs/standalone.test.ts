/**
 * The repository stands alone: no tracked file points at protocol reference material outside it, and every
 * citation of the protocol names its document in docs/ (scripts/cite-docs-rules.ts lists the forms).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CITING_FILE, SELF, unmappedCitations } from '../../scripts/cite-docs-rules.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

function trackedFiles(): string[] {
  const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' }).split('\0');
  return tracked.filter((f) => f !== '' && !f.split('/').includes('node_modules') && !SELF.has(f));
}

// enabled by the integrator after running scripts/cite-docs.ts
describe.skip('the repository stands alone', () => {
  it('cites the protocol only through docs/', () => {
    const found: string[] = [];
    for (const file of trackedFiles()) {
      const text = readFileSync(`${root}${file}`, 'utf8');
      if (!CITING_FILE.test(file) && !/shared\//.test(text)) continue; // binary or other kinds: only paths matter
      for (const hit of unmappedCitations(text)) found.push(`${file}:${hit}`);
    }
    expect(found, `run \`node scripts/cite-docs.ts\`, then map what is left by hand:\n${found.join('\n')}`).toEqual([]);
  });
});
