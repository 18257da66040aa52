export * from './oauth-error.ts';
export * from './operation-outcome.ts';
