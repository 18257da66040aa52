import { randomUUID } from 'node:crypto';
import type { FhirResource } from './resource.ts';

/**
 * The embedded FHIR data: one Map entry per `Type/id`, each resource carrying `meta.versionId`
 * and `meta.lastUpdated` (FHIR R4 §2.1.0 "Resource.meta"). Every stored version is deeply frozen
 * and handed out as is, so nothing outside this class can change stored data without going
 * through `create`/`update`, and a read copies nothing (docs/decisions.md I117).
 *
 * All methods are synchronous: a read-check-write sequence in one request handler cannot
 * interleave with another request's (the per-process analogue of D12's single atomic step).
 */
export class FhirData {
  readonly #resources = new Map<string, FhirResource>();

  constructor(seed: Iterable<FhirResource> = []) {
    for (const resource of seed) this.#store(resource, '1');
  }

  /** The resource `type/id`, or undefined. */
  read(type: string, id: string): FhirResource | undefined {
    return this.#resources.get(`${type}/${id}`);
  }

  /** Every resource of `type`, in insertion order. */
  all(type: string): FhirResource[] {
    const prefix = `${type}/`;
    const out: FhirResource[] = [];
    for (const [key, resource] of this.#resources) if (key.startsWith(prefix)) out.push(resource);
    return out;
  }

  /** FHIR R4 §3.1.0.7 create: the server assigns the id (any id in the body is ignored) and version 1. */
  create(resource: FhirResource): FhirResource {
    const id = randomUUID();
    return this.#store({ ...resource, id }, '1');
  }

  /**
   * FHIR R4 §3.1.0.4 update of an existing resource: the next version. The caller has checked
   * that the resource exists and, for `If-Match`, compared its version (§3.1.0.4.2).
   */
  update(resource: FhirResource): FhirResource {
    const current = this.#resources.get(`${resource.resourceType}/${resource.id}`);
    const version = String(Number(current?.meta?.versionId ?? '0') + 1);
    return this.#store(resource, version);
  }

  #store(resource: FhirResource, versionId: string): FhirResource {
    const stored: FhirResource = deepFreeze(structuredClone({
      ...resource,
      meta: { ...resource.meta, versionId, lastUpdated: new Date().toISOString() },
    }));
    this.#resources.set(`${stored.resourceType}/${stored.id}`, stored);
    return stored;
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}

/** The weak ETag of a resource version (FHIR R4 §3.1.0.4.2 "ETag: W/\"<versionId>\""). */
export function etagOf(resource: FhirResource): string {
  return `W/"${resource.meta?.versionId ?? '1'}"`;
}
