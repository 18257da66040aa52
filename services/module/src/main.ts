/** Starts the sample module from environment variables (docs/deploy.md). */
import { runService, startOrExit } from '@koppelmij/service-kit';
import { buildModule } from './app.ts';
import { loadModuleConfig } from './config.ts';

startOrExit('module', () =>
  runService({
    name: 'module',
    load: loadModuleConfig,
    build: (config) => buildModule(config),
    listen: (config) => ({ port: config.port, host: config.host, publicUrl: config.publicUrl, store: config.store }),
    secrets: ['SIGNING_JWKS|SIGNING_JWK', 'COOKIE_SECRET'],
  }),
);
