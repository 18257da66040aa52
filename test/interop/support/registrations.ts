/**
 * The data of the interop tests: the demo's registrations and FHIR bundle plus the entries of
 * test/interop/registrations.json and test/interop/fhir-bundle.json, written to temporary files
 * that the stack reads through `REGISTRATIONS_FILE` and `FHIR_BUNDLE`, as a vendor's deployment
 * would (docs/architecture.md "Registrations are data"; docs/decisions.md I105).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSigningKey, resolveFromRoot, type SigningKey } from '@koppelmij/service-kit';

interface Registrations {
  pgos: unknown[];
  modules: unknown[];
  catalogue?: unknown[];
}

export interface InteropData {
  /** Public keys by name, for `"{{JWKS:name}}"`. */
  jwks?: Record<string, object[]>;
  /** The URL of the test's own SMART app, for `{{APP_URL}}`. */
  appUrl?: string;
  /** Changes the merged registrations (a test's own variant). */
  edit?: (file: Registrations) => void;
}

const read = (path: string) => readFileSync(resolveFromRoot(path), 'utf8');
const directory = () => mkdtempSync(join(tmpdir(), 'koppelmij-interop-'));

/** Fills the test's own placeholders; the services fill the rest. */
function fill(text: string, data: InteropData): string {
  let out = text.replaceAll('{{APP_URL}}', data.appUrl ?? 'http://app.localhost');
  for (const [name, keys] of Object.entries(data.jwks ?? {})) out = out.replaceAll(`"{{JWKS:${name}}}"`, JSON.stringify({ keys }));
  return out;
}

/** The key each `{{JWKS:name}}` of test/interop/registrations.json stands for, unless the test gives its own. */
const KEY_ALGORITHMS: Record<string, string> = { es384: 'ES384', rs384: 'RS384', assertions: 'ES256' };

/** Fresh signing keys for the names of {@link KEY_ALGORITHMS}: the private halves the test signs with. */
export async function interopKeys(): Promise<Record<string, SigningKey>> {
  const entries = await Promise.all(Object.entries(KEY_ALGORITHMS).map(async ([name, alg]) => [name, await loadSigningKey(undefined, alg)] as const));
  return Object.fromEntries(entries);
}

/** `jwks` for {@link interopRegistrationsFile} from {@link interopKeys}. */
export const publicJwks = (keys: Record<string, SigningKey>): Record<string, object[]> =>
  Object.fromEntries(Object.entries(keys).map(([name, key]) => [name, [key.publicJwk]]));

/** Writes the merged registrations file and returns its path; every `{{JWKS:name}}` must be given. */
export function interopRegistrationsFile(data: InteropData = {}): string {
  const demo = JSON.parse(read('deploy/demo/registrations.json')) as Registrations;
  const text = fill(read('test/interop/registrations.json'), data);
  const missing = /"jwks": "\{\{JWKS:([a-z0-9]+)\}\}"/.exec(text);
  if (missing) throw new Error(`interop registrations: no keys given for {{JWKS:${missing[1]}}}`);
  const extra = JSON.parse(text) as Registrations;
  const merged: Registrations = { ...demo, pgos: [...demo.pgos, ...extra.pgos], modules: [...demo.modules, ...extra.modules] };
  data.edit?.(merged);
  const path = join(directory(), 'registrations.json');
  writeFileSync(path, JSON.stringify(merged, null, 2));
  return path;
}

/** Writes the merged FHIR bundle and returns its path. */
export function interopFhirBundle(data: InteropData = {}): string {
  const demo = JSON.parse(read('deploy/demo/fhir-bundle.json')) as { entry: unknown[] };
  const extra = JSON.parse(fill(read('test/interop/fhir-bundle.json'), data)) as { entry: unknown[] };
  const path = join(directory(), 'fhir-bundle.json');
  writeFileSync(path, JSON.stringify({ ...demo, entry: [...demo.entry, ...extra.entry] }, null, 2));
  return path;
}
