/**
 * The registrations file of the interop tests: the demo's (deploy/demo/registrations.json) plus
 * the entries of test/interop/registrations.json, written to a temporary file that the stack reads
 * through `REGISTRATIONS_FILE` like any deployment (docs/architecture.md "Registrations are data").
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveFromRoot } from '@koppelmij/service-kit';

interface File {
  pgos: unknown[];
  modules: unknown[];
  catalogue?: unknown[];
}

/**
 * Writes the merged file and returns its path. `jwks[name]` replaces `"{{JWKS:name}}"` in the
 * interop entries; `edit` may change the merged document (a test's own variant).
 */
export function interopRegistrationsFile(jwks: Record<string, object[]> = {}, edit: (file: File) => void = () => {}): string {
  const demo = JSON.parse(readFileSync(resolveFromRoot('deploy/demo/registrations.json'), 'utf8')) as File;
  let text = readFileSync(resolveFromRoot('test/interop/registrations.json'), 'utf8');
  for (const [name, keys] of Object.entries(jwks)) text = text.replaceAll(`"{{JWKS:${name}}}"`, JSON.stringify({ keys }));
  const extra = JSON.parse(text) as File;
  const merged: File = { ...demo, pgos: [...demo.pgos, ...extra.pgos], modules: [...demo.modules, ...extra.modules] };
  edit(merged);
  const path = join(mkdtempSync(join(tmpdir(), 'koppelmij-interop-')), 'registrations.json');
  writeFileSync(path, JSON.stringify(merged, null, 2));
  return path;
}
