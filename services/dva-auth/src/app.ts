import formbody from '@fastify/formbody';
import cookie from '@fastify/cookie';
import Fastify, { type FastifyInstance } from 'fastify';
import { LaunchCodes, OAuthError, readStoreEpoch, type KeyValueStore } from '@koppelmij/core';
import { answerMissingClientAuthentication, answerPostOnly, answerStoreUnavailable, browserOrigins, endKeepAliveOnClose, escapeHtml, isStoreUnavailable, loadRegistrations, loadSigningKey, loggerOptions, mountOidcProvider, openStore, refuseDpopBeforeEpoch, registerCors, registerFormProtection, registerHealth, registerSecurityHeaders, sendStoreUnavailable, startStoreEpoch, STORE_RETRY_AFTER } from '@koppelmij/service-kit';
import { AuditLog } from './audit.ts';
import type { DvaAuthConfig } from './config.ts';
import type { DvaAuth, GrantContext, LaunchContextRecord } from './context.ts';
import { DigidClient } from './collect/digid.ts';
import { FhirAccess } from './fhir-access.ts';
import { registerInteractions } from './collect/interactions.ts';
import { registerLaunchModule } from './launch/launch-module.ts';
import { registerOption1 } from './launch/option-1.ts';
import { registerStandalone } from './launch/standalone.ts';
import { extraParams } from './launch/params.ts';
import { PatientIndex } from './patients.ts';
import { createProvider } from './provider/provider.ts';
import { installTokenHooks } from './provider/token-hooks.ts';
import { GRANT_TYPE_TOKEN_EXCHANGE, TOKEN_EXCHANGE_DUPLICATES, TOKEN_EXCHANGE_PARAMETERS, tokenExchangeGrant } from './token-exchange/token-exchange.ts';
import { errorPage, formRefusedPage } from './views.ts';
import { withProviderErrors } from './provider/provider-errors.ts';
import { dvaAuthRateLimits, registerDvaRateLimits } from './rate-limits.ts';

export interface DvaAuthDeps {
  /** Shared with dva-fhir in the one-process demo (both are "the DVA"). */
  store?: KeyValueStore;
  fetch?: typeof fetch;
}

/** The oidc-provider endpoints, served at the root (docs/protocol.md §1.1 paths). */
const PROVIDER_PATHS = ['/authorize', '/authorize/:uid', '/par', '/token', '/jwks', '/revoke', '/introspect', '/.well-known/openid-configuration', '/.well-known/oauth-authorization-server'];

/** Public documents any origin may read, and the endpoints a registered browser client may call (I57). */
const DVA_OPEN_DOCUMENTS = new Set(['/.well-known/openid-configuration', '/jwks']);
const DVA_CORS_ENDPOINTS = new Set(['/token', '/introspect', '/revoke']);

/** Builds the DVA authorization server. The app is not listening; call `listen` or `inject`. */
export async function buildDvaAuth(config: DvaAuthConfig, deps: DvaAuthDeps = {}): Promise<FastifyInstance & { dva: DvaAuth }> {
  const app = Fastify({ logger: loggerOptions(config.LOG_LEVEL), trustProxy: config.TRUST_PROXY });
  endKeepAliveOnClose(app);
  registerSecurityHeaders(app, { publicUrl: config.DVA_AUTH_URL });
  registerFormProtection(app, { publicUrl: config.DVA_AUTH_URL, refusalPage: formRefusedPage }); // OWASP CSRF (I56)
  const store = deps.store ?? openStore(config.STORE, app.log);
  await startStoreEpoch(store); // docs/decisions.md I77
  const urls = { PGO_URL: config.PGO_URL, MODULE_URL: config.MODULE_URL, DVA_AUTH_URL: config.DVA_AUTH_URL, DVA_FHIR_URL: config.DVA_FHIR_URL, DIGID_URL: config.DIGID_URL };
  const loaded = loadRegistrations(config.REGISTRATIONS_FILE, urls);
  const registrations = { ...loaded, modules: [...loaded.modules, ...loaded.test_clients] }; // docs/decisions.md I51
  // SMART App Launch CORS for browser apps (I57): never /authorize or the interaction pages
  registerCors(app, { origins: browserOrigins([...registrations.pgos, ...registrations.modules]), open: (path) => DVA_OPEN_DOCUMENTS.has(path), restricted: (path) => DVA_CORS_ENDPOINTS.has(path) });
  const patients = PatientIndex.fromBundle(config.FHIR_BUNDLE, config.PSEUDONYM_SECRET);
  const signingKey = await loadSigningKey(config.SIGNING_JWKS ?? config.SIGNING_JWK);
  const idTokenRsaKey = await loadSigningKey(config.SIGNING_RSA_JWK, 'RS256'); // docs/decisions.md I103

  // the parts reach each other through `get`, called only after `dva` exists
  const get = (): DvaAuth => dva;
  const grantContext = {
    get: (grantId: string) => store.get<GrantContext>(`grant-context:${grantId}`),
    set: (grantId: string, context: GrantContext, ttl: number) => store.set(`grant-context:${grantId}`, context, ttl),
  };
  const fetchImpl = deps.fetch ?? globalThis.fetch;
  const provider = createProvider({ config, store, registrations, patients, signingKey, idTokenRsaKey, grantContext: grantContext.get, extraParams: extraParams(get), fetch: fetchImpl });
  const limits = dvaAuthRateLimits(config.RATE_LIMITS);
  const clientQuota = registerDvaRateLimits(app, store, limits); // I58
  const dva: DvaAuth = {
    config, provider, store, registrations, patients, signingKey, grantContext,
    audit: new AuditLog(store, app.log, { unauthenticatedFailures: limits.audit_unauthenticated }),
    launchCodes: new LaunchCodes<LaunchContextRecord>(store, { namespace: 'launch', ttl: config.LAUNCH_CODE_TTL }),
    log: app.log,
    fetch: fetchImpl,
    pgo: (id) => registrations.pgos.find((p) => p.client_id === id),
    module: (id) => registrations.modules.find((m) => m.client_id === id),
  };

  const fhir = new FhirAccess(get);
  provider.registerGrantType(GRANT_TYPE_TOKEN_EXCHANGE, withProviderErrors(tokenExchangeGrant(get, fhir)), [...TOKEN_EXCHANGE_PARAMETERS], [...TOKEN_EXCHANGE_DUPLICATES]);
  installTokenHooks(provider, get);
  answerMissingClientAuthentication(provider); // RFC 6749 §5.2
  provider.on('server_error', (_ctx, error) => app.log.error({ err: error }, 'oidc-provider server_error'));
  answerStoreUnavailable(provider); // fail closed: 503, docs/decisions.md I75
  for (const event of ['grant.error', 'authorization.error', 'pushed_authorization_request.error', 'revocation.error', 'introspection.error'] as const) {
    (provider as unknown as NodeJS.EventEmitter).on(event, (_ctx: unknown, error: { error?: string; error_description?: string; error_detail?: string }) =>
      app.log.info({ event, error: error.error, error_description: error.error_description, error_detail: error.error_detail }, 'request refused'));
  }

  // docs/oidc-provider-notes.md §2 gotcha: offline_access needs prompt=consent; added before the provider sees the request
  app.addHook('onRequest', async (request) => {
    if (request.method !== 'GET' || !request.url.startsWith('/authorize?')) return;
    const url = new URL(request.url, 'http://x');
    if (url.searchParams.get('scope')?.split(' ').includes('offline_access') && !url.searchParams.has('prompt')) {
      url.searchParams.set('prompt', 'consent');
      request.raw.url = `${url.pathname}${url.search}`;
    }
  });

  await app.register(cookie);
  await app.register(formbody);
  app.setErrorHandler((error: Error & { statusCode?: number; status?: number; error_description?: string }, request, reply) => {
    const page = request.url.startsWith('/interaction') || request.url.startsWith('/digid');
    if (isStoreUnavailable(error)) {
      request.log.error({ err: error }, 'store unavailable');
      if (!page) return sendStoreUnavailable(reply, 'oauth');
      return reply.code(503).header('retry-after', String(STORE_RETRY_AFTER)).type('text/html').send(errorPage('Even geduld', 'de zorgaanbieder is tijdelijk niet bereikbaar; probeer het zo opnieuw'));
    }
    const status = error instanceof OAuthError ? error.status : (error.statusCode ?? error.status ?? 500);
    if (status >= 500) request.log.error({ err: error }, 'unhandled error');
    const code = status >= 500 ? 500 : status;
    if (page) {
      const detail = code >= 500 ? 'interne fout' : (error instanceof OAuthError ? error.error_description : undefined) ?? 'het verzoek is niet geldig (misschien verlopen); begin opnieuw vanuit uw PGO';
      return reply.code(code).type('text/html').send(errorPage('Er ging iets mis', escapeHtml(detail)));
    }
    if (error instanceof OAuthError) return reply.code(error.status).send(error.toJSON());
    return reply.code(code).send(code >= 500 ? { error: 'server_error' } : { error: 'invalid_request' });
  });

  const digid = new DigidClient(get);
  registerInteractions(app, get, digid);
  registerOption1(app, get); // docs/protocol.md §3.2
  registerLaunchModule(app, get, digid); // docs/protocol.md §3.5
  registerStandalone(app, get); // docs/protocol.md §5 level S
  answerPostOnly(app, ['/par', '/token', '/revoke', '/introspect']); // RFC 9126 §2.3, RFC 6749 §3.2
  refuseDpopBeforeEpoch(app, store, ['/token', '/par']); // docs/decisions.md I77
  await mountOidcProvider(app, provider, PROVIDER_PATHS, { clientQuota });
  // docs/decisions.md I47: the audit trail is served by no route; it is read from the log
  registerHealth(app, { store: () => readStoreEpoch(store), keys: async () => signingKey.privateKey });
  app.addHook('onClose', async () => {
    if (!deps.store) await store.close();
  });
  return Object.assign(app, { dva }) as FastifyInstance & { dva: DvaAuth };
}
