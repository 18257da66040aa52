/**
 * @koppelmij/module — the sample module: a SMART on FHIR app with a backend that hosts every
 * module client identity of the registrations file.
 */
export { buildModule, type ModuleDeps } from './app.ts';
export { loadModuleConfig, type ModuleConfig } from './config.ts';
export { loadRegistrations, parseRegistrations, type ModuleRegistration, type ClientAuthentication, type ResultKind } from './registrations.ts';
