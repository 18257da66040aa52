/**
 * The repository stands alone: no tracked file points at protocol reference material outside it, and every
 * citation of the protocol names its document in docs/ (./citations.ts lists the forms).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CITING_FILE, SELF, unmappedCitations } from './citations.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

function trackedFiles(): string[] {
  const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' }).split('\0');
  return tracked.filter((f) => f !== '' && !f.split('/').includes('node_modules') && !SELF.has(f));
}

describe('the repository stands alone', () => {
  it('cites the protocol only through docs/', () => {
    const found: string[] = [];
    for (const file of trackedFiles()) {
      if (!CITING_FILE.test(file)) continue;
      for (const hit of unmappedCitations(readFileSync(`${root}${file}`, 'utf8'))) found.push(`${file}:${hit}`);
    }
    expect(found, `cite docs/ instead:\n${found.join('\n')}`).toEqual([]);
  });
});
