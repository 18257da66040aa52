/**
 * The PGO web app (docs/architecture.md): the person's health environment, which logs in with
 * DigiD, collects Tasks from the DVA and starts modules with option 3a.
 */
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { readStoreEpoch, type KeyValueStore } from '@koppelmij/core';
import { browserOrigins, endKeepAliveOnClose, html, isStoreUnavailable, loadSigningKey, loggerOptions, openStore, registerCors, registerFormProtection, registerHealth, registerSecurityHeaders, startStoreEpoch, STORE_RETRY_AFTER, type DemoSwitches, type SigningKey } from '@koppelmij/service-kit';
import { Accounts } from './accounts.ts';
import { registerAccessLog } from './access-log.ts';
import { registerCollect } from './collect.ts';
import type { PgoConfig } from './config.ts';
import type { PgoContext } from './context.ts';
import { DigidClient, registerDigidLogin } from './digid-login.ts';
import { DossierStore } from './dossier-store.ts';
import { DvaClient } from './dva-client.ts';
import { PageError } from './errors.ts';
import { registerOption1 } from './launch-1.ts';
import { registerOption3a } from './launch-3a.ts';
import { registerLaunch } from './launch-start.ts';
import { pathParam, requireDossier } from './params.ts';
import { loadRegistrations, type Registrations } from './registrations.ts';
import { Quarantine } from './quarantine.ts';
import { registerReturn } from './return.ts';
import { registerSafeguardRoutes } from './safeguard-routes.ts';
import { Sessions } from './session.ts';
import { registerSmartAs } from './smart-as/index.ts';
import { delegationModules } from './smart-as/clients.ts';
import { registerPgoRateLimits } from './rate-limits.ts';
import { registerPgoDomainStart } from './pgo-domain/launch.ts';
import { PgoDomainStore } from './pgo-domain/store.ts';
import { pgoDomainCards } from './pgo-domain/views.ts';
import { dossierPage, errorPage, startPage } from './views.ts';
import { selfStartSection } from './views-levels.ts';
import { demoSection, registerDemo } from './demo.ts';

/** What tests (and the one-process demo) may inject instead of the defaults. */
export interface PgoDeps {
  /** For every outgoing request (DigiD, DVA, DVA FHIR). Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** Default: `createStore(config.store)`, closed with the app. */
  store?: KeyValueStore;
  /** Default: `SIGNING_JWK`, or a fresh key. */
  signingKey?: SigningKey;
  /** Default: read from `REGISTRATIONS_FILE`. */
  registrations?: Registrations;
  /** Default: read from `PGO_ACCOUNTS_FILE`. */
  accounts?: Accounts;
  /** The one-process demo's switches (scripts/stack.ts); never set in production. */
  demo?: DemoSwitches;
}

/** Builds the PGO app; the caller listens (main.ts) or injects (tests). */
export async function buildPgo(config: PgoConfig, deps: PgoDeps = {}): Promise<FastifyInstance> {
  const fetchImpl = deps.fetch ?? globalThis.fetch;
  const app = Fastify({ logger: loggerOptions(config.logLevel) });
  const store = deps.store ?? openStore(config.store, app.log, { prefix: 'pgo:' });
  await startStoreEpoch(store); // docs/decisions.md I77
  const signingKey = deps.signingKey ?? (await loadSigningKey(config.signingJwk));
  const registrations = deps.registrations ?? (await loadRegistrations(config));
  const accounts = deps.accounts ?? (await Accounts.load(config.accountsFile));
  const dva = new DvaClient({ dvaAuthUrl: config.dvaAuthUrl, clientId: config.clientId, signingKey, fetch: fetchImpl });
  const ctx: PgoContext = {
    config,
    registrations,
    sessions: new Sessions(store, { secure: config.pgoUrl.startsWith('https:') }),
    dossiers: new DossierStore(store, dva),
    quarantine: new Quarantine(store),
    accounts,
    dva,
    digid: new DigidClient({
      issuer: config.digidUrl,
      clientId: config.digid.clientId,
      clientSecret: config.digid.clientSecret,
      scope: config.digid.scope,
      redirectUri: `${config.pgoUrl}/login/callback`,
      fetch: fetchImpl,
    }),
    signingKey,
    fetch: fetchImpl,
    store,
  };

  endKeepAliveOnClose(app);
  // Pages carry personal data and flow state: never cached, framed, sniffed, or leaked through Referer.
  registerSecurityHeaders(app, { publicUrl: config.pgoUrl });
  // OWASP CSRF (I56): no form of the PGO is posted from another origin; the session token is checked per form
  registerFormProtection(app, { publicUrl: config.pgoUrl, refusalPage: () => errorPage('Request refused', 'This form was not sent from a PGO page. Go back, reload the page and try again.') });
  // SMART App Launch CORS for the browser part of the modules the PGO is the AS of (options 2a/2b, level PS; I57)
  registerCors(app, { origins: browserOrigins(delegationModules(config)), open: (path) => path === '/fhir/.well-known/smart-configuration', restricted: (path) => path === '/token' || path === '/revoke' || path.startsWith('/fhir/') });
  registerPgoRateLimits(app, store, config); // I58
  if (!deps.store) app.addHook('onClose', () => store.close());
  await app.register(cookie, { secret: config.cookieSecret });
  await app.register(formbody);

  // Every bad input is a 4xx page (docs/conventions.md conventions); only the unforeseen is a 500, logged.
  app.setErrorHandler((error: FastifyError | PageError, request, reply) => {
    let status = 500;
    let title = 'Er ging iets mis';
    let message = 'Er ging onverwacht iets mis. Probeer het opnieuw.';
    if (isStoreUnavailable(error)) {
      request.log.error({ err: error }, 'store unavailable');
      reply.header('retry-after', String(STORE_RETRY_AFTER));
      [status, title, message] = [503, 'Tijdelijk niet beschikbaar', 'De PGO is tijdelijk niet beschikbaar. Probeer het zo opnieuw.'];
    } else if (error instanceof PageError) {
      ({ status, title, message } = error);
      request.log[status >= 500 ? 'warn' : 'info']({ err: error }, 'request refused');
    } else if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      ({ statusCode: status } = error);
      title = 'Ongeldig verzoek';
      message = 'Dit verzoek is niet goed opgebouwd.';
    } else {
      request.log.error({ err: error }, 'unhandled error');
    }
    return reply.code(status).type('text/html; charset=utf-8').send(errorPage(title, message));
  });
  app.setNotFoundHandler((_request, reply) =>
    reply.code(404).type('text/html; charset=utf-8').send(errorPage('Niet gevonden', 'Deze pagina bestaat niet.')),
  );

  app.get('/', async (request, reply) => reply.type('text/html; charset=utf-8').send(startPage(await ctx.sessions.load(request))));

  app.get('/dossier/:bsn', async (request, reply) => {
    const { session, dossier } = requireDossier(await ctx.sessions.load(request), pathParam(request, 'bsn'));
    const notice = session.data.notice;
    if (notice !== undefined) {
      delete session.data.notice;
      await ctx.sessions.save(session);
    }
    const data = await ctx.dossiers.data(dossier.bsn);
    const pgoDomain = [...ctx.registrations.modules.values()].filter((m) => m.integrationLevel === 'PS');
    const results = pgoDomain.length ? await new PgoDomainStore(ctx.store).observations(dossier.bsn) : [];
    const selfStart = selfStartSection(ctx.registrations, config.dvaFhirUrl, pgoDomainCards(dossier, session.data.csrf, pgoDomain, results)); // docs/protocol.md §5 levels L, S, PS
    return reply.type('text/html; charset=utf-8').send(dossierPage(session, dossier, data, notice, html`${selfStart}${demoSection(request, deps.demo, session.data.csrf, dossier.bsn)}`));
  });

  // RFC 7517 §5: the public key of the PGO's client assertions (its `jwks_uri` at the DVA).
  registerHealth(app, { store: () => readStoreEpoch(store), keys: async () => signingKey.privateKey });
  app.get('/jwks', async (_request, reply) => reply.header('cache-control', 'max-age=60').send({ keys: signingKey.jwks }));

  registerDigidLogin(app, ctx.sessions, ctx.digid, accounts);
  registerCollect(app, ctx);
  registerSafeguardRoutes(app, ctx); // docs/identity-check-reference.md: the confirm screen and the quarantine box
  registerLaunch(app, ctx);
  registerOption3a(app, ctx); // option 3a's /callback_stepup (docs/option-3a.md)
  registerPgoDomainStart(app, ctx); // docs/protocol.md §5 level PS (docs/integration-levels.md)
  registerOption1(app, ctx); // option 1's callback (docs/option-1.md)
  registerReturn(app, ctx);
  await registerSmartAs(app, ctx); // options 2a/2b (docs/option-2a-2b.md)
  registerAccessLog(app, ctx); // the DVA's AuditEvents of the dossier (docs/decisions.md I93)
  if (deps.demo !== undefined) registerDemo(app, ctx, deps.demo); // docs/decisions.md I138, I139
  return app;
}
