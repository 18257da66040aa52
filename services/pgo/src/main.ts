/**
 * Starts the PGO from environment variables (docs/architecture.md).
 */
import { installLocalhostResolver } from '@koppelmij/service-kit';
import { buildPgo } from './app.ts';
import { loadPgoConfig } from './config.ts';

const config = loadPgoConfig();
// RFC 6761 §6.3: the demo's `*.localhost` names resolve to loopback for Node's fetch too.
installLocalhostResolver();
const app = await buildPgo(config);
await app.listen({ port: config.port, host: config.host });
app.log.info(`PGO at ${config.pgoUrl} (launch preparation: ${config.launchPrepMode})`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void app.close().then(() => process.exit(0));
  });
}
