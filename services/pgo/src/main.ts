/** Starts the PGO from environment variables (docs/deploy.md). */
import { runService, startOrExit } from '@koppelmij/service-kit';
import { buildPgo } from './app.ts';
import { loadPgoConfig } from './config.ts';

startOrExit('pgo', () =>
  runService({
    name: 'pgo',
    load: loadPgoConfig,
    build: (config) => buildPgo(config),
    listen: (config) => ({ port: config.port, host: config.host, publicUrl: config.pgoUrl, store: config.store }),
    secrets: ['SIGNING_JWKS|SIGNING_JWK', 'COOKIE_SECRET', 'PGO_DIGID_CLIENT_SECRET', 'PGO_AS_SIGNING_JWKS', 'PGO_AS_DPOP_NONCE_SECRET'],
  }),
);
