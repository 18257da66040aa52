/** Starts dva-auth from environment variables (docs/deploy.md). */
import { loadConfig, runService, startOrExit } from '@koppelmij/service-kit';
import { buildDvaAuth } from './app.ts';
import { dvaAuthConfigSchema } from './config.ts';

startOrExit('dva-auth', () =>
  runService({
    name: 'dva-auth',
    load: (env) => loadConfig(dvaAuthConfigSchema, env),
    build: (config) => buildDvaAuth(config),
    listen: (config) => ({ port: config.DVA_AUTH_PORT, host: config.HOST, publicUrl: config.DVA_AUTH_URL, store: config.STORE }),
    secrets: ['SIGNING_JWKS|SIGNING_JWK', 'SIGNING_RSA_JWK', 'COOKIE_KEYS', 'DPOP_NONCE_SECRET', 'PSEUDONYM_SECRET', 'DIGID_CLIENT_SECRET'],
  }),
);
