/**
 * The grammar of FHIR logical ids and relative references, in one place (FHIR R4 datatypes §2.24.0.1
 * `id`: `[A-Za-z0-9\-\.]{1,64}`; FHIR R4 §2.3.0 references: a relative literal reference is
 * `[type]/[id]`, a resource type name an upper-case letter and at least one more letter, at most
 64 characters here; every FHIR R4 resource type fits).
 */

/** The `id` datatype as a regular expression source, for composing larger patterns. */
export const FHIR_ID_SOURCE = '[A-Za-z0-9\\-.]{1,64}';

/** A resource type name as a regular expression source. */
export const FHIR_TYPE_SOURCE = '[A-Z][A-Za-z]{1,63}';

const ID = new RegExp(`^${FHIR_ID_SOURCE}$`);
const RELATIVE = new RegExp(`^(${FHIR_TYPE_SOURCE})/(${FHIR_ID_SOURCE})$`);

/** True when `value` is a FHIR logical id. */
export function isFhirId(value: unknown): value is string {
  return typeof value === 'string' && ID.test(value);
}

/** A relative literal reference, `Type/id`. */
export interface RelativeReference {
  type: string;
  id: string;
}

/**
 * `Type/id` read as its parts; with `type`, only a reference to that resource type.
 *
 * @returns undefined for anything else (an absolute URL, a version, a query, another type)
 */
export function relativeReference(value: unknown, type?: string): RelativeReference | undefined {
  const match = typeof value === 'string' ? RELATIVE.exec(value) : null;
  if (match === null || (type !== undefined && match[1] !== type)) return undefined;
  return { type: match[1]!, id: match[2]! };
}
