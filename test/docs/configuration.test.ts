/**
 * docs/configuration.md documents exactly the environment the services read: every variable of a
 * service's zod schema (services/<name>/src/config.ts) appears in the service's section or in "Common to
 * every service", and every documented variable is read by a schema.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { digidMockConfigSchema } from '../../services/digid-mock/src/config.ts';
import { dvaAuthConfigSchema } from '../../services/dva-auth/src/config.ts';
import { schema as dvaFhirSchema } from '../../services/dva-fhir/src/config.ts';
import { schema as moduleSchema } from '../../services/module/src/config.ts';
import { PgoEnvironment } from '../../services/pgo/src/config.ts';

const COMMON = 'Common to every service';

/** The variables of an object schema, also behind `.transform()` (a pipe whose input is the object). */
function variables(schema: unknown): string[] {
  const s = schema as { shape?: Record<string, unknown>; in?: unknown };
  if (s.shape) return Object.keys(s.shape);
  if (s.in) return variables(s.in);
  throw new Error('not an object schema');
}

const schemas: Record<string, string[]> = {
  'dva-auth': variables(dvaAuthConfigSchema),
  'dva-fhir': variables(dvaFhirSchema),
  pgo: variables(PgoEnvironment),
  module: variables(moduleSchema),
  'digid-mock': variables(digidMockConfigSchema),
};

/** Per `## section` of the page: the variables named in the first cell of its table rows. */
function documented(markdown: string): Map<string, Set<string>> {
  const sections = new Map<string, Set<string>>();
  let current: Set<string> | undefined;
  for (const line of markdown.split('\n')) {
    const heading = /^## (.+)$/.exec(line);
    if (heading) sections.set(heading[1]!.trim(), (current = new Set()));
    const cell = /^\|([^|]*)\|/.exec(line)?.[1];
    if (cell && current) for (const [, name] of cell.matchAll(/`([A-Z][A-Z0-9_]*)`/g)) current.add(name!);
  }
  return sections;
}

const doc = documented(readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8'));
const common = doc.get(COMMON) ?? new Set<string>();

describe('docs/configuration.md', () => {
  it('has a section per service and the common one', () => {
    expect([...doc.keys()].sort()).toEqual([COMMON, ...Object.keys(schemas)].sort());
  });

  it('documents every variable of every schema', () => {
    const missing = Object.entries(schemas).flatMap(([service, names]) =>
      names.filter((n) => !common.has(n) && !doc.get(service)?.has(n)).map((n) => `${n} (${service})`),
    );
    expect(missing, `add to docs/configuration.md under the service's section: ${missing.join(', ')}`).toEqual([]);
  });

  it('documents no variable that no schema reads', () => {
    const read = (service: string) => (service === COMMON ? Object.values(schemas).flat() : (schemas[service] ?? []));
    const unknown = [...doc].flatMap(([section, names]) => [...names].filter((n) => !read(section).includes(n)).map((n) => `${n} (## ${section})`));
    expect(unknown, `documented in docs/configuration.md but read by no schema of that section: ${unknown.join(', ')}`).toEqual([]);
  });
});
