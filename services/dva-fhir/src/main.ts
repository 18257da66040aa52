/** Starts dva-fhir from environment variables (docs/deploy.md). */
import { runService, startOrExit } from '@koppelmij/service-kit';
import { buildDvaFhir } from './app.ts';
import { loadDvaFhirConfig } from './config.ts';

startOrExit('dva-fhir', () =>
  runService({
    name: 'dva-fhir',
    load: loadDvaFhirConfig,
    build: (config) => buildDvaFhir(config),
    listen: (config) => ({ port: config.port, host: config.host, publicUrl: config.fhirUrl, store: config.store }),
    secrets: [], // dva-auth's keys come from its JWKS; DPOP_NONCE_SECRET is optional (RS nonces)
  }),
);
