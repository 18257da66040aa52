/**
 * The package as a consumer gets it: `npm pack`'s tarball, unpacked into a fresh folder's
 * node_modules with its three dependencies beside it (linked from this workspace, so no registry is
 * needed), imported by plain Node without the workspace's `@koppelmij/source` condition.
 * `pnpm test` builds dist/ first; the `prepack` script builds it for a real `npm pack`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const core = fileURLToPath(new URL('..', import.meta.url));
const manifest = JSON.parse(readFileSync(join(core, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
};
const units = readdirSync(join(core, 'src'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(core, 'src', d.name, 'index.ts')))
  .map((d) => d.name);

let folder = '';
let packed: string[] = [];

/** Runs an ES module in the consumer's folder and returns what it printed. */
function runInConsumer(source: string): string {
  return execFileSync(process.execPath, ['--input-type=module', '-e', source], { cwd: folder, encoding: 'utf8' });
}

beforeAll(() => {
  if (!existsSync(join(core, 'dist', 'index.js'))) execFileSync('npm', ['run', 'build'], { cwd: core, stdio: 'ignore' });
  folder = mkdtempSync(join(tmpdir(), 'koppelmij-core-consumer-'));
  const [pack] = JSON.parse(execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', folder], { cwd: core, encoding: 'utf8' })) as {
    filename: string;
    files: { path: string }[];
  }[];
  packed = pack!.files.map((f) => f.path);
  const installed = join(folder, 'node_modules', '@koppelmij', 'core');
  mkdirSync(installed, { recursive: true });
  execFileSync('tar', ['-xzf', join(folder, pack!.filename), '-C', installed, '--strip-components=1']);
  for (const dependency of Object.keys(manifest.dependencies)) {
    symlinkSync(realpathSync(join(core, 'node_modules', dependency)), join(folder, 'node_modules', dependency), 'dir');
  }
}, 120_000);

afterAll(() => {
  if (folder) rmSync(folder, { recursive: true, force: true });
});

describe('@koppelmij/core as a package', () => {
  it('builds before it is packed', () => {
    expect(manifest.scripts.prepack).toBe('npm run build');
  });

  it('ships the build, its types, the sources its maps point to, and the examples; no tests', () => {
    expect(packed).toEqual(expect.arrayContaining(['package.json', 'README.md', 'dist/index.js', 'dist/index.d.ts', 'src/index.ts', 'examples/dpop.ts']));
    for (const unit of units) expect(packed).toEqual(expect.arrayContaining([`dist/${unit}/index.js`, `dist/${unit}/index.d.ts`]));
    expect(packed.filter((f) => f.startsWith('test/') || f.endsWith('.test.ts'))).toEqual([]);
  });

  it('is imported by plain Node, as a whole and unit by unit', () => {
    const source = `
      const whole = await import('@koppelmij/core');
      const parts = {};
      for (const unit of ${JSON.stringify(units)}) parts[unit] = Object.keys(await import('@koppelmij/core/' + unit)).length;
      console.log(JSON.stringify({ whole: Object.keys(whole).length, parts }));`;
    const { whole, parts } = JSON.parse(runInConsumer(source)) as { whole: number; parts: Record<string, number> };
    expect(whole).toBeGreaterThan(50);
    for (const unit of units) expect(parts[unit], unit).toBeGreaterThan(0);
  });

  it('works: a DPoP proof made and verified through the installed package', () => {
    const source = `
      import { MemoryStore, createDpopProof, generateDpopKey, verifyDpopProof } from '@koppelmij/core';
      const key = await generateDpopKey();
      const htu = 'https://rs.example/fhir/Task/1';
      const store = new MemoryStore();
      const proof = await createDpopProof({ key, htm: 'GET', htu });
      const first = await verifyDpopProof(proof, { htm: 'GET', htu, store });
      const again = await verifyDpopProof(proof, { htm: 'GET', htu, store }).catch((e) => e.error);
      console.log(JSON.stringify({ bound: first.jkt === key.jkt, again }));`;
    expect(JSON.parse(runInConsumer(source))).toEqual({ bound: true, again: 'invalid_dpop_proof' });
  });
});
