/**
 * @koppelmij/pgo — the PGO web app: DigiD login, collect, and option-3a module launches.
 */
export { buildPgo, type PgoDeps } from './app.ts';
export { loadPgoConfig, LAUNCH_PREP_MODES, type LaunchPrepMode, type PgoConfig } from './config.ts';
export { parseRegistrations, loadRegistrations, type Registrations, type ModuleInfo, type LaunchOption } from './registrations.ts';
export {
  resolveLaunchTarget,
  resolveModule,
  activityDefinitionLink,
  LaunchChainError,
  EXT_INSTANTIATES,
  EXT_KT2_ENDPOINT,
  EXT_CLIENT_ID,
  type LaunchChainErrorCode,
  type LaunchTarget,
  type ModuleTarget,
} from './chain.ts';
export { FhirClient, localReference, type FhirResource } from './fhir.ts';
export { moduleLaunchUrl } from './launch-redirect.ts';
export { dossierHandle } from './return.ts';
