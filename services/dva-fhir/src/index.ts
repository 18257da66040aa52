/** @koppelmij/dva-fhir: the DVA FHIR R4 resource server (policy enforcement point). */
export { buildDvaFhir, type DvaFhirDeps } from './app.ts';
export { DEFAULT_TASK_TRANSITIONS, loadDvaFhirConfig, type DvaFhirConfig, type TaskTransitions } from './config.ts';
export { loadBundle } from './data/seed.ts';
export type { FhirResource } from './data/resource.ts';
export type { Access } from './policy.ts';
