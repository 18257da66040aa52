/**
 * FHIR R4 resources as this server handles them: plain JSON objects with a type and an id.
 */
import { relativeReference } from '@koppelmij/core/fhir';

export interface FhirMeta {
  versionId?: string;
  lastUpdated?: string;
  profile?: string[];
  [element: string]: unknown;
}

export interface FhirResource {
  resourceType: string;
  id: string;
  meta?: FhirMeta;
  [element: string]: unknown;
}

/** The resource types this server serves (docs/conventions.md "dva-fhir"; docs/protocol.md §1.2, §6.5). */
export const RESOURCE_TYPES = [
  'Patient',
  'Practitioner',
  'PractitionerRole',
  'Organization',
  'ServiceRequest',
  'Task',
  'ActivityDefinition',
  'Endpoint',
  'Questionnaire',
  'QuestionnaireResponse',
  'Observation',
  'AuditEvent', // written by dva-fhir itself, read-only through the API (docs/decisions.md I93)
] as const;

export type ResourceType = (typeof RESOURCE_TYPES)[number];

const TYPES: ReadonlySet<string> = new Set(RESOURCE_TYPES);

export function isResourceType(type: string): type is ResourceType {
  return TYPES.has(type);
}


export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The `Type/id` a Reference points to on this server: a relative reference, or an absolute one
 * under `fhirBase`. Anything else (another server, a contained `#id`, a malformed value) is undefined.
 */
export function localReference(value: unknown, fhirBase: string): string | undefined {
  const reference = isObject(value) ? value.reference : value;
  if (typeof reference !== 'string') return undefined;
  const relative = reference.startsWith(`${fhirBase}/`) ? reference.slice(fhirBase.length + 1) : reference;
  return relativeReference(relative) ? relative : undefined; // FHIR R4 §2.3.0 "Literal references"
}

/** Splits `Type/id`. */
export function splitReference(reference: string): { type: string; id: string } | undefined {
  return relativeReference(reference);
}

/** The references in an element that may be a single Reference or an array of them. */
export function references(value: unknown, fhirBase: string): string[] {
  const items = Array.isArray(value) ? value : [value];
  return items.map((item) => localReference(item, fhirBase)).filter((r): r is string => r !== undefined);
}
