/**
 * The module side of docs/protocol.md §4.3: read the launch context from a token response, whichever of the
 * three Task deliveries (docs/decisions-protocol.md D11) and either patient format (docs/decisions-protocol.md D10) the DVA uses.
 *
 * Both readers fail closed: when the deliveries disagree, or one delivery names two Tasks or two
 * patients, the context is ambiguous and they return `undefined`.
 */
import { FHIR_ID_SOURCE, relativeReference } from '../fhir/id.ts';

export interface TokenResponseReadOptions {
  /**
   * The FHIR base the module launched against (`iss`). When given, an `authorization_details`
   * entry counts only if its `locations` include it (RFC 9396 §2.2).
   */
  fhirBase?: string;
}

// docs/decisions-protocol.md D10: `123` or `Patient/123`
const PATIENT = new RegExp(`^(?:Patient/)?(${FHIR_ID_SOURCE})$`);

/**
 * The Task reference (`Task/<id>`) from SMART `fhirContext`, Koppeltaal `resource`, or a
 * `fhir_context` entry of `authorization_details`.
 *
 * @returns the reference, or `undefined` when absent or ambiguous.
 */
export function taskFromTokenResponse(body: unknown, options: TokenResponseReadOptions = {}): string | undefined {
  if (!isObject(body)) return undefined;
  const found = new Set<string>();
  collectTasks(body.fhirContext, found);
  addTask(body.resource, found);
  for (const detail of fhirContextDetails(body, options)) collectTasks(detail.fhirContext, found);
  return single(found);
}

/**
 * The patient's logical id from the top-level `patient` or a `fhir_context` entry of
 * `authorization_details`, accepting both `123` and `Patient/123`.
 *
 * @returns the id, or `undefined` when absent, malformed or ambiguous.
 */
export function patientIdFromTokenResponse(body: unknown, options: TokenResponseReadOptions = {}): string | undefined {
  if (!isObject(body)) return undefined;
  const found = new Set<string>();
  const values = [body.patient, ...fhirContextDetails(body, options).map((d) => d.patient)];
  for (const value of values) {
    if (value === undefined) continue;
    const id = typeof value === 'string' ? PATIENT.exec(value)?.[1] : undefined;
    // A present but malformed `patient` makes the whole context untrustworthy.
    if (id === undefined) return undefined;
    found.add(id);
  }
  return single(found);
}

function collectTasks(fhirContext: unknown, found: Set<string>): void {
  if (!Array.isArray(fhirContext)) return;
  for (const item of fhirContext) if (isObject(item)) addTask(item.reference, found);
}

function addTask(reference: unknown, found: Set<string>): void {
  if (typeof reference !== 'string' || !reference.startsWith('Task/')) return;
  // A malformed Task reference is recorded as '', so it makes the result ambiguous rather than absent.
  found.add(relativeReference(reference, 'Task') ? reference : '');
}

function fhirContextDetails(body: Record<string, unknown>, options: TokenResponseReadOptions): Array<Record<string, unknown>> {
  if (!Array.isArray(body.authorization_details)) return [];
  return body.authorization_details.filter(
    (d): d is Record<string, unknown> =>
      isObject(d) &&
      d.type === 'fhir_context' &&
      (options.fhirBase === undefined || (Array.isArray(d.locations) && d.locations.includes(options.fhirBase))),
  );
}

function single(found: Set<string>): string | undefined {
  if (found.size !== 1) return undefined;
  const [value] = found;
  return value === '' ? undefined : value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
