/** Starts the mock DigiD from environment variables (docs/deploy.md). */
import { loadConfig, runService, startOrExit } from '@koppelmij/service-kit';
import { buildDigidMock } from './app.ts';
import { digidMockConfigSchema } from './config.ts';

startOrExit('digid-mock', () =>
  runService({
    name: 'digid-mock',
    load: (env) => loadConfig(digidMockConfigSchema, env),
    build: buildDigidMock,
    listen: (config) => ({ port: config.port, host: config.host, publicUrl: config.issuer, store: config.store }),
    secrets: ['SIGNING_JWKS|SIGNING_JWK', 'COOKIE_KEYS', 'DIGID_CLIENT_SECRET|DIGID_CLIENTS', 'PGO_DIGID_CLIENT_SECRET|DIGID_CLIENTS'],
  }),
);
