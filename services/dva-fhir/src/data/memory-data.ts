import { randomUUID } from 'node:crypto';
import { deepFreeze } from '@koppelmij/core';
import { VersionConflict, withVersion, type FhirData } from './fhir-data.ts';
import type { FhirResource } from './resource.ts';

/**
 * The FHIR data in this process's memory (the demo's default): one Map entry per `Type/id`.
 * Every stored version is deeply frozen and handed out as is: nothing outside changes stored data
 * without `create`/`update`, and a read copies nothing (docs/decisions.md I117).
 * Lost on restart and not shared between instances; `FHIR_DATABASE_URL` is the durable choice.
 */
export class MemoryFhirData implements FhirData {
  readonly #resources = new Map<string, FhirResource>();

  constructor(seed: Iterable<FhirResource> = []) {
    for (const resource of seed) this.#store(withVersion(resource, '1'));
  }

  async read(type: string, id: string): Promise<FhirResource | undefined> {
    const found = this.#resources.get(`${type}/${id}`);
    return found;
  }

  async list(type: string): Promise<FhirResource[]> {
    const prefix = `${type}/`;
    const out: FhirResource[] = [];
    for (const [key, resource] of this.#resources) if (key.startsWith(prefix)) out.push(resource);
    return out;
  }

  async create(resource: FhirResource): Promise<FhirResource> {
    return this.#store(withVersion({ ...resource, id: randomUUID() }, '1'));
  }

  async update(resource: FhirResource, versionId: string): Promise<FhirResource> {
    // check and write in one synchronous step: no other request interleaves
    const current = this.#resources.get(`${resource.resourceType}/${resource.id}`);
    if (current?.meta?.versionId !== versionId) throw new VersionConflict();
    return this.#store(withVersion(resource, String(Number(versionId) + 1)));
  }

  async close(): Promise<void> {}

  #store(resource: FhirResource): FhirResource {
    const stored = deepFreeze(structuredClone(resource));
    this.#resources.set(`${stored.resourceType}/${stored.id}`, stored);
    return stored;
  }
}
