export * from './config.ts';
export * from './errors.ts';
export * from './html.ts';
export * from './oidc-mount.ts';
export * from './keys.ts';
export * from './localhost.ts';
export * from './logging.ts';
export * from './registrations.ts';
