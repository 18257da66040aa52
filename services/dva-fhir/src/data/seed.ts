import { readFileSync } from 'node:fs';
import { isObject, isResourceType, type FhirResource } from './resource.ts';
import { isFhirId } from '@koppelmij/core/fhir';

const PLACEHOLDER = /\{\{([A-Z_]+)\}\}/g;

/**
 * Reads the demo Bundle (a `transaction` or `collection`) and returns its resources, after
 * replacing `{{NAME}}` placeholders with the configured URLs (architecture.md "Registrations
 * are data"). Fails at start-up, naming the problem, on an unknown placeholder, an unsupported
 * resource type, a malformed or duplicate id.
 */
export function loadBundle(path: string, placeholders: Readonly<Record<string, string>>): FhirResource[] {
  const text = readFileSync(path, 'utf8').replace(PLACEHOLDER, (_, name: string) => {
    const value = placeholders[name];
    if (value === undefined) throw new Error(`${path}: unknown placeholder {{${name}}}`);
    return JSON.stringify(value).slice(1, -1); // substituted inside JSON strings
  });
  return bundleResources(JSON.parse(text) as unknown, path);
}

/** The resources of a parsed Bundle, checked as {@link loadBundle} describes. */
export function bundleResources(bundle: unknown, source = 'bundle'): FhirResource[] {
  if (!isObject(bundle) || bundle.resourceType !== 'Bundle' || !Array.isArray(bundle.entry)) {
    throw new Error(`${source}: not a FHIR Bundle with entries`);
  }
  const seen = new Set<string>();
  return bundle.entry.map((entry: unknown, i: number) => {
    const resource = isObject(entry) ? entry.resource : undefined;
    if (!isObject(resource) || typeof resource.resourceType !== 'string' || !isResourceType(resource.resourceType)) {
      throw new Error(`${source}: entry[${i}] is not a supported resource`);
    }
    if (typeof resource.id !== 'string' || !isFhirId(resource.id)) throw new Error(`${source}: entry[${i}] has no valid id`);
    const key = `${resource.resourceType}/${resource.id}`;
    if (seen.has(key)) throw new Error(`${source}: ${key} appears twice`);
    seen.add(key);
    return resource as FhirResource;
  });
}
