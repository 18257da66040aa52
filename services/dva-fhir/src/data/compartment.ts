/**
 * The patient compartment (FHIR R4 §3.1.0.1.4, docs/protocol.md §4.1): which patients a resource is about.
 * One rule, used by the policy to decide and by the PostgreSQL store to index.
 */
import { isObject, references, type FhirResource } from './resource.ts';

/** Resources about no patient, readable by every patient token with scope (docs/protocol.md §6.5). */
export const DEFINITIONAL: ReadonlySet<string> = new Set(['ActivityDefinition', 'Endpoint', 'Questionnaire', 'Practitioner', 'PractitionerRole', 'Organization']);

/** The logical ids of the patients `resource` is about (empty for definitional resources). */
export function compartmentPatients(resource: FhirResource, fhirBase: string): string[] {
  const patients = (elements: unknown[]) =>
    elements.flatMap((e) => references(e, fhirBase)).filter((r) => r.startsWith('Patient/')).map((r) => r.slice('Patient/'.length));
  switch (resource.resourceType) {
    case 'Patient':
      return [resource.id];
    case 'Task':
      return [...new Set(patients([resource.for, resource.owner]))];
    case 'ServiceRequest':
    case 'Observation':
    case 'QuestionnaireResponse':
      return patients([resource.subject]);
    case 'AuditEvent': // R4 patient compartment: AuditEvent by `patient` (entity.what)
      return patients(Array.isArray(resource.entity) ? resource.entity.map((e: unknown) => (isObject(e) ? e.what : undefined)) : []);
    default:
      return [];
  }
}
