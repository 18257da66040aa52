/** Starts dva-fhir from environment variables (README.md, "Configuration"). */
import { installLocalhostResolver, isLocalhostName } from '@koppelmij/service-kit';
import { buildDvaFhir } from './app.ts';
import { loadDvaFhirConfig } from './config.ts';

const config = loadDvaFhirConfig();
// RFC 6761 §6.3: the demo's *.localhost names, for fetching dva-auth's JWKS
if (isLocalhostName(new URL(config.authUrl).hostname)) installLocalhostResolver();
const app = await buildDvaFhir(config);
await app.listen({ port: config.port, host: config.host });
console.log(`dva-fhir: FHIR base ${config.fhirUrl} (listening on ${config.host}:${config.port})`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void app.close().then(() => process.exit(0)));
}
