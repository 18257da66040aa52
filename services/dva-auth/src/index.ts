export { buildDvaAuth, type DvaAuthDeps } from './app.ts';
export { dvaAuthConfig, dvaAuthConfigSchema, loadDvaAuthConfig, type DvaAuthConfig } from './config.ts';
export type { DvaAuth, LaunchContextRecord, GrantContext } from './context.ts';
export { pseudonym } from './patients.ts';
