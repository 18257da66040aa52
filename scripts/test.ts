// Runs the whole vitest suite with coverage and ends with one plain summary line
// ("N passed, N failed, N skipped") that CI can read whatever the runner prints.
import { spawnSync } from 'node:child_process';
import { readFileSync, mkdirSync } from 'node:fs';

mkdirSync('test-output', { recursive: true });
const report = 'test-output/vitest.json';
const run = spawnSync(
  'pnpm',
  ['exec', 'vitest', 'run', '--coverage', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)],
  { stdio: 'inherit' },
);

let summary = 'no test report was written';
try {
  const r = JSON.parse(readFileSync(report, 'utf8')) as { numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests: number };
  summary = `${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`;
} catch {
  // the runner crashed before writing its report; its exit code says so
}
console.log(`\ntests: ${summary}`);
process.exit(run.status ?? 1);
