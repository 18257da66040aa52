import Fastify, { type FastifyInstance } from 'fastify';
import formbody from '@fastify/formbody';
import { readStoreEpoch } from '@koppelmij/core';
import { answerStoreUnavailable, endKeepAliveOnClose, loadSigningKey, loggerOptions, mountOidcProvider, openStore, registerErrorHandler, registerFormProtection, registerHealth, registerSecurityHeaders } from '@koppelmij/service-kit';
import type { DigidMockConfig } from './config.ts';
import { resumeWithoutStaleSession } from './fresh-session.ts';
import { registerInteractionRoutes } from './interactions.ts';
import { formRefusedPage } from './views.ts';
import { createProvider, PROVIDER_PATHS } from './provider.ts';

/**
 * The mock DigiD as a Fastify instance that does not listen yet: oidc-provider's endpoints at
 * the root and the login pages at `/interaction/:uid`. Closing the app closes its store.
 */
export async function buildDigidMock(config: DigidMockConfig): Promise<FastifyInstance> {
  const signingKey = await loadSigningKey(config.signingJwk, 'ES256');
  const app = Fastify({ logger: loggerOptions(config.logLevel) });
  const store = openStore(config.store, app.log, { prefix: 'digid:' });
  const provider = createProvider(config, signingKey, store);
  answerStoreUnavailable(provider); // fail closed: 503, docs/decisions.md I75
  endKeepAliveOnClose(app);
  registerSecurityHeaders(app, { publicUrl: config.issuer });
  registerFormProtection(app, { publicUrl: config.issuer, refusalPage: formRefusedPage }); // OWASP CSRF (I56)
  app.addHook('onClose', () => store.close());
  registerErrorHandler(app, 'oauth');
  await app.register(formbody);
  resumeWithoutStaleSession(app, provider);
  await mountOidcProvider(app, provider, PROVIDER_PATHS);
  await registerInteractionRoutes(app, provider);
  registerHealth(app, { store: () => readStoreEpoch(store), keys: async () => signingKey.privateKey });
  return app;
}
