export * from './types.ts';
export * from './memory.ts';
export * from './redis.ts';
export * from './keys.ts';
export * from './create.ts';
export * from './oidc-adapter.ts';
export * from './epoch.ts';
