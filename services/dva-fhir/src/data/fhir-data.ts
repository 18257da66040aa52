/**
 * The FHIR data behind the resource server: one small interface, three implementations
 * (docs/decisions.md I91): in memory (the demo's default), PostgreSQL (`FHIR_DATABASE_URL`,
 * shared by every instance and durable), and a vendor's FHIR server (`FHIR_UPSTREAM_URL`).
 * The policy decides on whatever comes back; an implementation only narrows as a hint.
 */
import { FhirError } from '@koppelmij/core/errors';
import type { FhirResource } from './resource.ts';

export interface ListOptions {
  /**
   * A narrowing hint: resources in this patient's compartment and resources in none (definitional
   * ones). Every result still passes the policy (policy.ts `visible`), so a wider answer is safe.
   */
  patient?: string;
  /** The search parameters, already checked by `parseSearch`; an upstream server may apply them, the others ignore them. */
  params?: URLSearchParams;
}

export interface FhirData {
  /** The resource `type/id`, or undefined. */
  read(type: string, id: string): Promise<FhirResource | undefined>;
  /** Resources of `type`, oldest first (a superset of what `options` ask for). */
  list(type: string, options?: ListOptions): Promise<FhirResource[]>;
  /** FHIR R4 §3.1.0.7 create: the server assigns the id (any id in the body is ignored) and version 1. */
  create(resource: FhirResource): Promise<FhirResource>;
  /**
   * FHIR R4 §3.1.0.4 update of an existing resource to its next version, only while the stored
   * version is still `versionId` (the one the caller read and checked).
   *
   * @throws VersionConflict when another write came first
   */
  update(resource: FhirResource, versionId: string): Promise<FhirResource>;
  close(): Promise<void>;
}

/**
 * Another write changed the resource between this request's read and its write: FHIR R4
 * §3.1.0.4.2 answers 412 when the client asked with `If-Match`, 409 otherwise (§3.1.0.4 "version
 * conflict"); the caller picks.
 */
export class VersionConflict extends FhirError {
  constructor() {
    super(409, 'conflict', 'The resource was changed by another request');
  }
}

/** The data store cannot be reached: fail closed (503), never answer from nothing. */
export function dataUnavailable(): FhirError {
  return new FhirError(503, 'transient', 'The FHIR data store is unavailable');
}

/** The weak ETag of a resource version (FHIR R4 §3.1.0.4.2 "ETag: W/\"<versionId>\""). */
export function etagOf(resource: FhirResource): string {
  return `W/"${resource.meta?.versionId ?? '1'}"`;
}

/** `resource` as version `versionId`, last updated now (FHIR R4 §2.1.0 "Resource.meta"). */
export function withVersion(resource: FhirResource, versionId: string, now = new Date()): FhirResource {
  return { ...resource, meta: { ...resource.meta, versionId, lastUpdated: now.toISOString() } };
}
