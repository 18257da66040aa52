export * from './algorithms.ts';
export * from './create.ts';
export * from './verify.ts';
export * from './jwks-cache.ts';
export * from './epoch.ts';
