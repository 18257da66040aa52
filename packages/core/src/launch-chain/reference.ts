/**
 * FHIR R4 references as the launch chain reads them: literal references into one server, and
 * the small JSON helpers for FHIR from a peer that is not trusted to be well-formed.
 */
import { relativeReference } from '../fhir/id.ts';

/** A FHIR resource as JSON. */
export interface FhirResource {
  resourceType: string;
  id?: string;
  [element: string]: unknown;
}

/** A literal reference to the server's own data: `Type/id`, or `{base}/Type/id`. */
export interface LocalReference {
  type: string;
  id: string;
}


/**
 * Reads `reference` as a literal reference into `base` (FHIR R4 §2.3.0 "Resource references"):
 * relative, or absolute and directly under the base. Anything else (another server, a
 * version, a query) → undefined.
 */
export function localReference(reference: string, base: string): LocalReference | undefined {
  const prefix = `${base}/`;
  const path = reference.startsWith(prefix) ? reference.slice(prefix.length) : reference;
  return relativeReference(path); // FHIR R4 §3.1 (references): `[type]/[id]`
}

/** `value` when it is an array, else an empty one: FHIR JSON from a peer is not trusted to be well-formed. */
export function arrayOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** The extensions of `resource` with this `url` (FHIR R4 extensibility.html). */
export function extensionsOf(resource: FhirResource, url: string): Array<Record<string, unknown>> {
  return arrayOf(resource.extension).filter(
    (e): e is Record<string, unknown> => typeof e === 'object' && e !== null && (e as { url?: unknown }).url === url,
  );
}

/** RFC 3986 §3.1: an absolute URI starts with a scheme. */
export function isAbsoluteUri(reference: string): boolean {
  return /^[A-Za-z][A-Za-z0-9+.-]*:/.test(reference);
}
