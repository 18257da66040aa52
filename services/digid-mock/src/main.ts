/** Starts the mock DigiD from environment variables (README.md, "Configuration"). */
import { loadConfig } from '@koppelmij/service-kit';
import { buildDigidMock } from './app.ts';
import { digidMockConfigSchema } from './config.ts';

const config = loadConfig(digidMockConfigSchema);
const app = await buildDigidMock(config);
await app.listen({ port: config.port, host: config.host });
console.log(`digid-mock: issuer ${config.issuer} (listening on ${config.host}:${config.port})`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void app.close().then(() => process.exit(0)));
}
