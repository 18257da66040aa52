import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { randomToken, readStoreEpoch, systemClock, type Clock, type KeyValueStore } from '@koppelmij/core';
import { endKeepAliveOnClose, isStoreUnavailable, loadSigningKey, loggerOptions, openStore, registerFormProtection, registerHealth, registerSecurityHeaders, STORE_RETRY_AFTER } from '@koppelmij/service-kit';
import type { ModuleConfig } from './config.ts';
import type { Fetch } from './dpop.ts';
import { ModuleError } from './errors.ts';
import { loadRegistrations, type ModuleRegistration } from './registrations.ts';
import { appRoutes } from './routes-app.ts';
import { infoRoutes } from './routes-info.ts';
import { launchRoutes } from './routes-launch.ts';
import { ModuleRuntime } from './runtime.ts';
import { errorPage, indexPage } from './views.ts';

export interface ModuleDeps {
  /** Outgoing HTTP (discovery, token, revocation, FHIR, JWKS); default the global `fetch`. */
  fetch?: Fetch;
  /** Default: `createStore(config.store)`, closed with the app. */
  store?: KeyValueStore;
  /** Default: the registrations file of the configuration. */
  registrations?: readonly ModuleRegistration[];
  clock?: Clock;
}

/**
 * The sample module: one Fastify app hosting every module client identity of the registrations
 * file under `/m/<client_id>/…` (launch, callback, app, submit), plus `/jwks` and `/`.
 */
export async function buildModule(config: ModuleConfig, deps: ModuleDeps = {}): Promise<FastifyInstance> {
  const registrations = deps.registrations ?? loadRegistrations(config.registrationsPath, config.placeholders, config.publicUrl);
  const app = Fastify({ logger: loggerOptions(config.logLevel), trustProxy: false });
  const store = deps.store ?? openStore(config.store, app.log);
  const signingKey = await loadSigningKey(config.signingJwk);
  const runtime = new ModuleRuntime({
    config,
    registrations,
    store,
    fetch: deps.fetch ?? globalThis.fetch,
    clock: deps.clock ?? systemClock,
    signingKey,
  });

  endKeepAliveOnClose(app);
  // No framing, no scripts, no referrer, no caching (docs/protocol.md §8 item 32): the pages show patient data and the launch URL carries a code.
  registerSecurityHeaders(app, { publicUrl: config.publicUrl });
  // OWASP CSRF (I56): the submit form is posted from the module's own page only; its session token is checked too
  registerFormProtection(app, { publicUrl: config.publicUrl, refusalPage: () => errorPage('This form was not sent from the module page. Open the module again.') });
  if (deps.store === undefined) app.addHook('onClose', () => store.close());
  await app.register(fastifyCookie, { secret: config.cookieSecret ?? randomToken() });
  await app.register(fastifyFormbody, { bodyLimit: 8192 });
  app.setErrorHandler((error: FastifyError | ModuleError, request, reply) => {
    if (isStoreUnavailable(error)) {
      request.log.error({ err: error }, 'store unavailable');
      return reply.code(503).header('retry-after', String(STORE_RETRY_AFTER)).type('text/html; charset=utf-8').send(errorPage('De module is tijdelijk niet beschikbaar; probeer het zo opnieuw.'));
    }
    if (error instanceof ModuleError) {
      request.log.info({ err: error.cause ?? error, status: error.status }, error.message);
      const options = {
        ...(error.code !== undefined && { code: error.code }),
        ...(error.back !== undefined && { back: error.back }),
        ...(error.description !== undefined && { description: error.description }),
        ...(config.placeholders.PGO_URL !== undefined && { home: config.placeholders.PGO_URL }),
      };
      return reply.code(error.status).type('text/html; charset=utf-8').send(errorPage(error.message, options));
    }
    const status = (error as FastifyError).statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      return reply.code(status).type('text/html; charset=utf-8').send(errorPage('Dit verzoek is niet goed opgebouwd.'));
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply.code(500).type('text/html; charset=utf-8').send(errorPage('Er ging iets mis in de module.'));
  });
  app.setNotFoundHandler((_request, reply) => reply.code(404).type('text/html; charset=utf-8').send(errorPage('Deze pagina bestaat niet.')));

  app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(indexPage(registrations, config.publicUrl)));

  // RFC 7517 §5: the public keys of every private_key_jwt identity (one service key, RFC 7523 §3 signer)
  const jwks = { keys: registrations.some((r) => r.auth.method === 'private_key_jwt') ? signingKey.jwks : [] };
  registerHealth(app, { store: () => readStoreEpoch(store), keys: async () => signingKey.privateKey });
  app.get('/jwks', async (_request, reply) => reply.header('cache-control', 'public, max-age=300').type('application/jwk-set+json').send(jwks));

  launchRoutes(app, runtime);
  appRoutes(app, runtime);
  infoRoutes(app); // levels L and TL (docs/protocol.md §5)
  return app;
}
