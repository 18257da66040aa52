export * from './oauth-error.ts';
export * from './operation-outcome.ts';
export * from './error-code.ts';
