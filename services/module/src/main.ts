import { installLocalhostResolver } from '@koppelmij/service-kit';
import { buildModule } from './app.ts';
import { loadModuleConfig } from './config.ts';

// RFC 6761 §6.3: let fetch resolve the demo's *.localhost host names (architecture.md)
installLocalhostResolver();

const config = loadModuleConfig();
const app = await buildModule(config);
await app.listen({ port: config.port, host: config.host });

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void app.close().then(() => process.exit(0));
  });
}
