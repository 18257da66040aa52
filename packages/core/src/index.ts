/**
 * @koppelmij/core — the Koppelmij protocol building blocks, framework-free.
 * Each unit is also importable on its own: `@koppelmij/core/dpop`, `@koppelmij/core/store`, …
 */
export * from './access-token/index.ts';
export * from './client-auth/index.ts';
export * from './dpop/index.ts';
export * from './errors/index.ts';
export * from './identity/index.ts';
export * from './launch/index.ts';
export * from './launch-chain/index.ts';
export * from './smart/index.ts';
export * from './store/index.ts';
export * from './token-exchange/index.ts';
export * from './util/index.ts';
export * from './authorization/index.ts';
export * from './fhir/index.ts';
