/**
 * FHIR R4 resources as this server handles them: plain JSON objects with a type and an id.
 */

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

/** The resource types this server serves (DESIGN.md "dva-fhir"; spec §1.2, §6.5). */
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

/** FHIR R4 `id` datatype: 1–64 of `A-Z a-z 0-9 - .`. */
export const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

/** A relative literal reference `Type/id` (FHIR R4 §2.3.0 "Literal references"). */
const RELATIVE_REFERENCE = /^([A-Z][A-Za-z]{0,63})\/([A-Za-z0-9\-.]{1,64})$/;

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
  return RELATIVE_REFERENCE.test(relative) ? relative : undefined;
}

/** Splits `Type/id`. */
export function splitReference(reference: string): { type: string; id: string } | undefined {
  const m = RELATIVE_REFERENCE.exec(reference);
  return m ? { type: m[1]!, id: m[2]! } : undefined;
}

/** The references in an element that may be a single Reference or an array of them. */
export function references(value: unknown, fhirBase: string): string[] {
  const items = Array.isArray(value) ? value : [value];
  return items.map((item) => localReference(item, fhirBase)).filter((r): r is string => r !== undefined);
}
