export * from './configuration.ts';
export * from './scopes.ts';
export * from './scopes-allow.ts';
export * from './launch-context.ts';
export * from './token-response.ts';
export * from './server-metadata.ts';
