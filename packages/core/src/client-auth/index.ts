export * from './algorithms.ts';
export * from './create.ts';
export * from './verify.ts';
export * from './jwks-cache.ts';
export { checkParties, checkTimes, type ClaimsPolicy } from './claims.ts';
export * from './epoch.ts';
