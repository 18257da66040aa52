/**
 * The PGO's modules import each other without cycles (issue 10: each launch option its own
 * module, one router; the collect apart from its safeguards). Relative imports, type-only included.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../src');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Each file → the files it imports by a relative path. */
function importGraph(files: string[]): Map<string, string[]> {
  return new Map(files.map((file) => {
    const text = readFileSync(file, 'utf8');
    return [file, [...text.matchAll(/^(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/gms)].map((m) => resolve(dirname(file), m[1]!))];
  }));
}

function cycles(graph: Map<string, string[]>): string[] {
  const found: string[] = [];
  const path: string[] = [];
  const done = new Set<string>();
  const visit = (file: string) => {
    path.push(file);
    for (const next of graph.get(file) ?? []) {
      const at = path.indexOf(next);
      if (at >= 0) found.push(path.slice(at).map((f) => relative(SRC, f)).join(' → '));
      else if (!done.has(next)) visit(next);
    }
    path.pop();
    done.add(file);
  };
  for (const file of graph.keys()) if (!done.has(file)) visit(file);
  return found;
}

describe('services/pgo/src imports', () => {
  it('has no cycle', () => {
    expect(cycles(importGraph(sources(SRC)))).toEqual([]);
  });

  it('the check finds a cycle where there is one', () => {
    const [a, b, c] = ['a.ts', 'b.ts', 'c.ts'].map((f) => join(SRC, f));
    expect(cycles(new Map([[a!, [b!]], [b!, [c!]], [c!, [a!]]]))).toEqual(['a.ts → b.ts → c.ts']);
  });
});
