/**
 * Launch context → the module's token-response members (docs/protocol.md §4.3, §4.5; docs/decisions-protocol.md D10, D11).
 */
import { isFhirId, relativeReference } from '../fhir/id.ts';

/** The launch context the DVA stored for a launch code. */
export interface LaunchContext {
  /** The patient's logical id (without `Patient/`). */
  patient: string;
  /** The Task reference, `Task/<id>`: the anchor of every Koppelmij launch (docs/protocol.md §4.1). */
  task?: string;
  /** The other launch resources (`Type/<id>`), e.g. from `resource=` in the token exchange (docs/protocol.md §4.2). */
  resources?: readonly string[];
  /** The FHIR base URL (the `iss`); the `locations` of an `authorization_details` entry. */
  fhirBase: string;
  returnUrl?: string;
  /** `fhirUser`, returned top-level as the IG's examples do (docs/protocol.md §4.3); SMART also puts it in the id_token. */
  fhirUser?: string;
  /** SMART `intent`. */
  intent?: string;
}

/** Where the Task reaches the module (docs/protocol.md §7.4 `context.taskDelivery`); several may be combined. */
export type TaskDelivery = 'fhirContext' | 'resource' | 'authorization_details';

export interface LaunchContextOptions {
  /** docs/decisions-protocol.md D10: `id` (SMART, default) → `"123"`; `reference` → `"Patient/123"`. */
  patientFormat?: 'id' | 'reference';
  /** docs/decisions-protocol.md D11: default `['fhirContext']`. */
  taskDelivery?: readonly TaskDelivery[];
  /** docs/protocol.md §4.5: where `return_url` goes. Default `top-level`. */
  returnUrlDelivery?: 'top-level' | 'authorization_details';
  /** `fhirVersions` of the `authorization_details` entry, e.g. `['4.0.1']`. */
  fhirVersions?: readonly string[];
}

/** SMART 2.1 `fhirContext` entry. */
export interface FhirContextItem {
  reference: string;
}

/** The experimental SMART `fhir_context` authorization details type (RFC 9396 shape, docs/protocol.md §4.3 option B). */
export interface FhirContextAuthorizationDetail {
  type: 'fhir_context';
  locations: string[];
  fhirVersions?: string[];
  patient: string;
  fhirContext?: FhirContextItem[];
  return_url?: string;
}

/** The launch-context members of the module's token response. */
export interface LaunchContextFields {
  patient: string;
  fhirContext?: FhirContextItem[];
  /** Koppeltaal style: the Task reference. */
  resource?: string;
  authorization_details?: FhirContextAuthorizationDetail[];
  return_url?: string;
  fhirUser?: string;
  intent?: string;
}


/**
 * Builds the launch-context members of a module token response.
 *
 * The Task travels in every delivery chosen by `taskDelivery`; the other resources travel in
 * `fhirContext` and in the `authorization_details` entry (Koppeltaal's `resource` holds one reference).
 *
 * @throws {TypeError} on a malformed id or reference, or a context the chosen deliveries cannot carry.
 */
export function launchContextFields(ctx: LaunchContext, options: LaunchContextOptions = {}): LaunchContextFields {
  const delivery = new Set(options.taskDelivery ?? ['fhirContext']);
  const resources = ctx.resources ?? [];
  if (!isFhirId(ctx.patient)) throw new TypeError('launch context: patient must be a FHIR id');
  if (ctx.task !== undefined && !relativeReference(ctx.task, 'Task')) throw new TypeError('launch context: task must be Task/<id>');
  for (const r of resources) {
    // docs/protocol.md §4.2: the patient comes from the subject token, never as a launch resource.
    if (!relativeReference(r) || r.startsWith('Patient/')) throw new TypeError('launch context: resources must be Type/<id>, not Patient');
  }
  if (ctx.task !== undefined && delivery.size === 0) throw new TypeError('launch context: no taskDelivery for the Task');
  if (resources.length > 0 && !delivery.has('fhirContext') && !delivery.has('authorization_details')) {
    throw new TypeError('launch context: resources need fhirContext or authorization_details delivery');
  }

  // docs/decisions-protocol.md D10: SMART defines `patient` as the bare id.
  const patient = options.patientFormat === 'reference' ? `Patient/${ctx.patient}` : ctx.patient;
  const references = [...(ctx.task === undefined ? [] : [ctx.task]), ...resources];
  const fhirContext = references.map((reference) => ({ reference }));
  const returnUrlInDetails = ctx.returnUrl !== undefined && options.returnUrlDelivery === 'authorization_details';

  const fields: LaunchContextFields = { patient };
  // docs/decisions-protocol.md D11: SMART 2.1 `fhirContext` by default.
  if (delivery.has('fhirContext') && fhirContext.length > 0) fields.fhirContext = fhirContext;
  if (delivery.has('resource') && ctx.task !== undefined) fields.resource = ctx.task;
  if (delivery.has('authorization_details') || returnUrlInDetails) {
    const detail: FhirContextAuthorizationDetail = { type: 'fhir_context', locations: [ctx.fhirBase], patient };
    if (options.fhirVersions) detail.fhirVersions = [...options.fhirVersions];
    if (delivery.has('authorization_details') && fhirContext.length > 0) detail.fhirContext = fhirContext.map((c) => ({ ...c }));
    if (returnUrlInDetails) detail.return_url = ctx.returnUrl;
    fields.authorization_details = [detail];
  }
  if (ctx.returnUrl !== undefined && !returnUrlInDetails) fields.return_url = ctx.returnUrl;
  if (ctx.fhirUser !== undefined) fields.fhirUser = ctx.fhirUser;
  if (ctx.intent !== undefined) fields.intent = ctx.intent;
  return fields;
}
