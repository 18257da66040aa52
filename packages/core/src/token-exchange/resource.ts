import { InvalidTarget } from '../errors/oauth-error.ts';
import { relativeReference } from '../fhir/id.ts';

/** A `resource` value of the token exchange, reduced to a FHIR literal reference (docs/protocol.md §4.2). */
export interface FhirResourceTarget {
  resourceType: string;
  id: string;
  /** The relative reference, `Type/id`. */
  reference: string;
}

export interface FhirResourceTargetOptions {
  /** The DVA FHIR base URL; absolute `resource` values must lie directly under it. */
  fhirBase: string;
  /** What to do with `Patient/…`: the patient comes from the subject token (docs/protocol.md §4.2, switch in §7.4). */
  patientResource: 'reject' | 'ignore';
}


const URI_CHARACTERS = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]+$/;

const MALFORMED = 'resource is not a valid FHIR resource reference';

/**
 * Reads one `resource` value of a token-exchange request as a FHIR resource (docs/protocol.md §4.2).
 *
 * RFC 8693 §2.1 and RFC 8707 §2 want an absolute URI; the Koppelmij IG sends relative
 * references (`Task/456`). Both are accepted: `Type/id`, and `{fhirBase}/Type/id` (docs/protocol.md §3.1.4).
 * A version, query, fragment or any other form is refused.
 *
 * @returns the target, or `undefined` for a Patient when `patientResource` is `'ignore'`
 * @throws {InvalidTarget} a malformed value, one outside `fhirBase`, or a rejected Patient (RFC 8693 §2.2.2)
 */
export function parseFhirResourceTarget(value: string, options: FhirResourceTargetOptions): FhirResourceTarget | undefined {
  const reference = relativeToBase(value, options.fhirBase);
  // FHIR R4 datatypes: `Type/id` (core fhir unit)
  const parsed = relativeReference(reference);
  if (parsed === undefined) throw new InvalidTarget(MALFORMED);
  const { type: resourceType, id } = parsed;

  // docs/protocol.md §4.2: "Patient is excluded (the patient comes from the subject token)"
  if (resourceType === 'Patient') {
    if (options.patientResource === 'ignore') return undefined;
    throw new InvalidTarget('Patient is not an allowed resource');
  }
  return { resourceType, id, reference };
}

/** `value` itself when it is not an absolute URI, else its path below `fhirBase`. */
function relativeToBase(value: string, fhirBase: string): string {
  const url = URL.parse(value);
  if (url === null) return value;

  // RFC 3986 §2: only URI characters. The WHATWG parser would silently drop tabs and newlines, or read '\' as '/'.
  if (!URI_CHARACTERS.test(value)) throw new InvalidTarget(MALFORMED);
  // The parser applies RFC 3986 §6.2.2/§6.2.3 normalisation (scheme and host case, default port,
  // dot-segments) to both sides before they are compared.
  const base = new URL(fhirBase).href.replace(/\/*$/, '/');
  if (!url.href.startsWith(base)) throw new InvalidTarget(MALFORMED);
  // A query or fragment (RFC 8707 §2) stays in the remainder, where the `Type/id` grammar refuses it.
  return url.href.slice(base.length);
}
