import type { AccessTokenClaims, VerifyJwtAccessTokenOptions } from '@koppelmij/core/access-token';
import { DPOP_ALGORITHMS, DpopNonces } from '@koppelmij/core/dpop';
import { FhirError } from '@koppelmij/core/errors';
import { readStoreEpoch, type KeyValueStore } from '@koppelmij/core/store';
import type { Clock } from '@koppelmij/core/util';
import { browserOrigins, endKeepAliveOnClose, loadRegistrations, loggerOptions, openStore, RateLimiter, rateLimitsFrom, registerCors, registerErrorHandler, registerHealth, registerSecurityHeaders, registerSourceLimits, startStoreEpoch } from '@koppelmij/service-kit';
import Fastify, { type FastifyInstance } from 'fastify';
import { createRemoteJWKSet } from 'jose';
import { auditEvent } from './audit.ts';
import { registerAuditEvents } from './audit-event.ts';
import { AuditTrail } from './audit-trail.ts';
import { createAuthenticator } from './auth.ts';
import type { DvaFhirConfig } from './config.ts';
import { createFhirData } from './data/create-data.ts';
import type { FhirResource } from './data/resource.ts';
import { loadBundle } from './data/seed.ts';
import { authErrorHandler } from './errors.ts';
import { IdentityCheck } from './identity-check.ts';
import { Policy, type Access } from './policy.ts';
import { registerDiscoveryRoutes } from './routes/discovery.ts';
import { accessOf } from './routes/common.ts';
import { registerResourceRoutes } from './routes/resources.ts';
import { registerUserinfoRoute } from './routes/userinfo.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified access token and how it was presented; set on data routes only. */
    verified?: { claims: AccessTokenClaims; scheme: 'DPoP' | 'Bearer' };
    /** What that token may reach (policy.ts). */
    access?: Access;
  }
}

/** What the one-process demo and the tests inject instead of building from configuration. */
export interface DvaFhirDeps {
  /** The DVA's store, shared with dva-auth for its grant revocation markers (architecture.md "Shared state"). */
  store?: KeyValueStore;
  /** dva-auth's access-token keys; default: its JWKS at `${DVA_AUTH_URL}/jwks`. */
  accessTokenKey?: VerifyJwtAccessTokenOptions['key'];
  /** Seed resources instead of the bundle file. */
  resources?: FhirResource[];
  clock?: Clock;
}

/**
 * Builds the DVA FHIR resource server (the policy enforcement point of docs/protocol.md §1.2, §4.1, §8
 * items 19–23): discovery without a token, every data route behind access-token and DPoP
 * verification, scope, compartment and launch-context checks.
 */
export async function buildDvaFhir(config: DvaFhirConfig, deps: DvaFhirDeps = {}): Promise<FastifyInstance> {
  const app = Fastify({ logger: loggerOptions(config.logLevel) });
  endKeepAliveOnClose(app);
  registerSecurityHeaders(app, { publicUrl: config.fhirUrl });
  const prefix = new URL(config.fhirUrl).pathname.replace(/\/$/, '');
  // SMART App Launch CORS for browser apps (I57): discovery for any origin, data for the registered clients'
  const registrations = loadRegistrations(config.registrationsFile, config.placeholders);
  const discovery = new Set([`${prefix}/metadata`, `${prefix}/.well-known/smart-configuration`]);
  registerCors(app, { origins: browserOrigins([...registrations.pgos, ...registrations.modules]), open: (path) => discovery.has(path), restricted: (path) => path.startsWith(`${prefix}/`) });
  app.decorateRequest('verified', undefined);
  app.decorateRequest('access', undefined);
  registerErrorHandler(app, 'fhir', { dpopAlgs: DPOP_ALGORITHMS });
  app.setNotFoundHandler(() => {
    throw new FhirError(404, 'not-found', 'Not found');
  });

  const store = deps.store ?? openStore(config.store, app.log);
  if (!deps.store) app.addHook('onClose', () => store.close());
  await startStoreEpoch(store); // docs/decisions.md I77
  // docs/decisions.md I58: per source address, counted in the shared store; generous, RATE_LIMITS raises them
  const limits = rateLimitsFrom({ fhir: { limit: 6000, window: 60 }, identity_check: { limit: 300, window: 60 } }, config.rateLimits);
  const identityCheckPath = `${prefix}/${config.identityCheck.path}`;
  registerSourceLimits(app, new RateLimiter(store), [
    { name: 'fhir', rule: limits.fhir, applies: (r) => r.url.startsWith(`${prefix}/`), format: 'fhir' },
    { name: 'identity-check', rule: limits.identity_check, applies: (r) => r.method === 'POST' && r.url.split('?')[0] === identityCheckPath, format: 'fhir' },
  ]);
  const data = await createFhirData(config, () => deps.resources ?? loadBundle(config.bundlePath, config.placeholders));
  app.addHook('onClose', () => data.close());
  const policy = new Policy(
    { fhirBase: config.fhirUrl, systemClients: config.systemClients, launchContextReferences: config.launchContextReferences },
    data,
  );
  const identity = new IdentityCheck(config.identityCheck, store, data);
  const nonces = config.dpopNonceSecret && new DpopNonces({ secret: config.dpopNonceSecret, ...(deps.clock && { clock: deps.clock }) });
  const remoteJwks = deps.accessTokenKey ? undefined : createRemoteJWKSet(new URL(`${config.authUrl}/jwks`));
  const accessTokenKey = deps.accessTokenKey ?? remoteJwks!;
  // ready: the store answers and dva-auth's keys are known (fetched once, then cached by jose)
  registerHealth(app, { store: () => readStoreEpoch(store), keys: async () => remoteJwks && !remoteJwks.jwks() && (await remoteJwks.reload()) });
  const authenticate = createAuthenticator({
    issuer: config.authUrl,
    fhirBase: config.fhirUrl,
    key: accessTokenKey,
    store,
    requireDpop: config.dpopRequired,
    ...(nonces && { nonces }),
    ...(deps.clock && { clock: deps.clock }),
  });

  await app.register(
    async (fhir) => {
      fhir.setErrorHandler(authErrorHandler({ algs: DPOP_ALGORITHMS, dpopRequired: config.dpopRequired }));
      fhir.addContentTypeParser('application/fhir+json', { parseAs: 'string' }, fhir.getDefaultJsonParser('error', 'error'));
      registerDiscoveryRoutes(fhir, config);

      await fhir.register(async (protectedScope) => {
        // RFC 9449 §7.1: "MUST NOT grant access to the resource unless all checks are successful"
        protectedScope.addHook('onRequest', async (request, reply) => {
          const { claims, scheme } = await authenticate(request);
          request.verified = { claims, scheme };
          // RFC 9449 §9: a fresh nonce on every DPoP response, so the client's next proof need not fail first
          if (nonces && scheme === 'DPoP') reply.header('dpop-nonce', nonces.current());
          request.access = await policy.access(claims);
        });
        protectedScope.addHook('onResponse', async (request, reply) => {
          request.log.info({ audit: auditEvent(request, reply.statusCode) }, 'fhir access');
        });
        // docs/identity-check-reference.md: the endpoint itself is reachable before the check; every data route is gated
        registerUserinfoRoute(protectedScope, { config, data, policy, identity, trail: new AuditTrail(store) });
        await protectedScope.register(async (gated) => {
          registerAuditEvents(gated, { data, store, fhirBase: config.fhirUrl });
          gated.addHook('preHandler', async (request) => identity.gate(accessOf(request)));
          registerResourceRoutes(gated, { config, data, policy });
        });
      });
    },
    { prefix },
  );
  return app;
}
