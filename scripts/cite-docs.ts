// Points every citation of the protocol reference into docs/ (scripts/cite-docs-rules.ts), in every tracked
// .ts, .md, .json and .yml file outside node_modules. Idempotent. Run from the repository root:
//   node scripts/cite-docs.ts
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { CITING_FILE, SELF, rewriteCitations, unmappedCitations } from './cite-docs-rules.ts';

/** Tracked files that may cite the reference. */
function citingFiles(root: string): string[] {
  const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' }).split('\0');
  return tracked.filter((f) => CITING_FILE.test(f) && !f.split('/').includes('node_modules') && !SELF.has(f));
}

const root = process.cwd();
let changed = 0;
const left: string[] = [];
for (const file of citingFiles(root)) {
  const path = `${root}/${file}`;
  const before = readFileSync(path, 'utf8');
  const after = rewriteCitations(before);
  if (after !== before) {
    writeFileSync(path, after);
    changed += 1;
  }
  for (const hit of unmappedCitations(after)) left.push(`${file}:${hit}`);
}
console.log(`cite-docs: ${changed} file(s) rewritten`);
if (left.length > 0) {
  console.log(`cite-docs: ${left.length} citation(s) left that no rule maps:\n${left.join('\n')}`);
  process.exitCode = 1;
}
