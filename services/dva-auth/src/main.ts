import { loadConfig } from '@koppelmij/service-kit';
import { buildDvaAuth } from './app.ts';
import { dvaAuthConfigSchema } from './config.ts';

const config = loadConfig(dvaAuthConfigSchema);
const app = await buildDvaAuth(config);
await app.listen({ port: config.DVA_AUTH_PORT, host: config.HOST });
console.log(`dva-auth: ${config.DVA_AUTH_URL}`);
