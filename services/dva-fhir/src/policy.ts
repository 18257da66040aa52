/**
 * Who may do what with which resource (docs/protocol.md §4.1; §8 items 20–22). Authentication (token,
 * DPoP, revocation) happened before; this decides on the verified claims.
 *
 * Three kinds of token:
 * - **system**: a `client_id` listed in SYSTEM_CLIENTS (e.g. dva-auth itself); `system/` scopes, no compartment.
 * - **collect**: a patient token without `fhirContext` (the PGO's); reads the patient's compartment, never writes (docs/protocol.md §8 item 22).
 * - **module**: a patient token with `fhirContext`; limited to its launch context (§4.1, docs/protocol.md §8 item 20).
 *
 * 403 or 404. A request the token may never make, whatever the data (a missing scope, a write by a
 * collect token, a create for another patient), is 403: deciding it reveals nothing. A resource
 * that exists but lies outside the token's compartment or launch context is 404, exactly as if it
 * did not exist (FHIR R4 §3.1.0.1.4 allows either; 404 does not confirm that another patient's
 * Task id is real), and searches silently leave such resources out.
 */
import type { AccessTokenClaims } from '@koppelmij/core/access-token';
import { FhirError, InsufficientScope } from '@koppelmij/core/errors';
import { scopesAllow, type FhirInteraction } from '@koppelmij/core/smart';
import { compartmentPatients, DEFINITIONAL } from './data/compartment.ts';
import type { FhirData } from './data/fhir-data.ts';
import type { FhirResource } from './data/resource.ts';
import { launchReadable, launchResources } from './launch-context.ts';
import { isFhirId } from '@koppelmij/core/fhir';

/** What a verified token may reach. */
export interface Access {
  claims: AccessTokenClaims;
  kind: 'system' | 'collect' | 'module';
  /** The patient compartment (collect and module tokens): the Patient's logical id. */
  patient?: string;
  /** Module tokens: the `Task/<id>` references of the launch, the only Tasks it may change (docs/protocol.md §4.1, §4.8). */
  launchTasks?: ReadonlySet<string>;
  /** Module tokens: the launch resources plus, by switch, the launch Tasks' directly referenced resources. */
  readable?: ReadonlySet<string>;
}

export interface PolicyOptions {
  fhirBase: string;
  systemClients: readonly string[];
  launchContextReferences: boolean;
}

/** What a module may create (docs/protocol.md §4.8: a measurement or a questionnaire answer). */
const MODULE_CREATES = new Set(['Observation', 'QuestionnaireResponse']);

export class Policy {
  readonly #options: PolicyOptions;
  readonly #data: FhirData;

  constructor(options: PolicyOptions, data: FhirData) {
    this.#options = options;
    this.#data = data;
  }

  /**
   * Classifies a verified token.
   *
   * @throws FhirError 403 `forbidden` for a non-system token without a usable `patient` claim:
   *   `patient/` scopes mean nothing without the patient (SMART App Launch "Scopes": patient-specific).
   */
  async access(claims: AccessTokenClaims): Promise<Access> {
    if (this.#options.systemClients.includes(claims.client_id)) return { claims, kind: 'system' };
    const patient = patientId(claims.patient);
    if (patient === undefined) throw new FhirError(403, 'forbidden', 'The access token has no patient context');
    if (claims.fhirContext === undefined) return { claims, kind: 'collect', patient };
    const launch = launchResources(claims.fhirContext, this.#options.fhirBase);
    const tasks = new Set([...launch].filter((r) => r.startsWith('Task/')));
    const readable = await launchReadable(launch, this.#data, this.#options.fhirBase, this.#options.launchContextReferences);
    return { claims, kind: 'module', patient, launchTasks: tasks, readable };
  }

  /**
   * RFC 6750 §3.1, SMART App Launch "Scopes": the token's scopes allow `interaction` on `type`
   * (`system/` scopes for system tokens, `patient/` otherwise).
   *
   * @throws InsufficientScope (403)
   */
  requireScope(access: Access, interaction: FhirInteraction, type: string, query?: URLSearchParams): void {
    const allowed = scopesAllow(access.claims.scope ?? '', {
      interaction,
      resourceType: type,
      context: access.kind === 'system' ? 'system' : 'patient',
      ...(query && { query }),
    });
    if (!allowed) throw new InsufficientScope('The access token does not allow this request');
  }

  /** May the token see this resource? (patient compartment, then launch context) */
  visible(access: Access, resource: FhirResource): boolean {
    if (access.kind === 'system') return true;
    if (!this.inCompartment(resource, access.patient!)) return false;
    // docs/protocol.md §4.1, §8 item 20: a module token reaches only its launch context
    return access.kind !== 'module' || access.readable!.has(`${resource.resourceType}/${resource.id}`);
  }

  /** The patient compartment: resources about this patient, and definitional resources. */
  inCompartment(resource: FhirResource, patient: string): boolean {
    return DEFINITIONAL.has(resource.resourceType) || compartmentPatients(resource, this.#options.fhirBase).includes(patient);
  }

  /**
   * Whether this kind of token may make this kind of write at all: AuditEvents are only created,
   * by system tokens; collect tokens never write
   * (docs/protocol.md §8 item 22); modules change a Task only by PATCH (docs/protocol.md §4.8); system tokens are
   * limited by scope alone.
   *
   * @throws FhirError 403 `forbidden`
   */
  assertMayWrite(access: Access, interaction: 'create' | 'update' | 'patch', type: string): void {
    // docs/decisions.md I93: the audit trail is appended to by the DVA's own services (a system token, or a
    // dva-fhir in front of this one) and never changed
    if (type === 'AuditEvent' && (access.kind !== 'system' || interaction !== 'create')) {
      throw new FhirError(403, 'forbidden', 'AuditEvents are recorded by the server');
    }
    if (access.kind === 'collect') throw new FhirError(403, 'forbidden', 'This access token may not write');
    if (access.kind === 'module' && interaction === 'update') throw new FhirError(403, 'forbidden', 'Modules change a Task with PATCH');
  }

  /**
   * docs/protocol.md §4.8: a module creates results (an Observation, a QuestionnaireResponse) for its
   * patient and nothing else.
   *
   * @throws FhirError 403 `forbidden`
   */
  assertMayCreate(access: Access, resource: FhirResource): void {
    if (access.kind !== 'module') return;
    if (!MODULE_CREATES.has(resource.resourceType) || !this.inCompartment(resource, access.patient!)) {
      throw new FhirError(403, 'forbidden', 'Modules may only create results for the launch patient');
    }
  }

  /**
   * docs/protocol.md §4.1, §8 item 20: a module PATCHes only a Task of its launch (a Task it may merely
   * read, e.g. under a system token, is not enough). Call after {@link visible}.
   *
   * @throws FhirError 403 `forbidden`
   */
  assertMayPatch(access: Access, task: FhirResource): void {
    if (access.kind === 'module' && !access.launchTasks!.has(`Task/${task.id}`)) {
      throw new FhirError(403, 'forbidden', 'Only the launch Task may be changed');
    }
  }
}

/** The `patient` claim as a logical id: SMART's bare id, or `Patient/<id>` (docs/decisions-protocol.md D10). */
function patientId(claim: unknown): string | undefined {
  if (typeof claim !== 'string') return undefined;
  const id = claim.startsWith('Patient/') ? claim.slice('Patient/'.length) : claim;
  return isFhirId(id) ? id : undefined;
}
