/**
 * The PGO web app (docs/architecture.md): the person's health environment, which logs in with
 * DigiD, collects Tasks from the DVA and starts modules with option 3a.
 */
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { epochOf, readStoreEpoch, type KeyValueStore } from '@koppelmij/core';
import { endKeepAliveOnClose, isStoreUnavailable, loadSigningKey, loggerOptions, openStore, registerHealth, STORE_RETRY_AFTER, type SigningKey } from '@koppelmij/service-kit';
import { Accounts } from './accounts.ts';
import { registerCollect } from './collect.ts';
import type { PgoConfig } from './config.ts';
import type { PgoContext } from './context.ts';
import { DigidClient, registerDigidLogin } from './digid-login.ts';
import { DossierStore } from './dossier-store.ts';
import { DvaClient } from './dva-client.ts';
import { PageError } from './errors.ts';
import { registerLaunch } from './launch-3a.ts';
import { registerOption1 } from './launch-1.ts';
import { pathParam, requireDossier } from './params.ts';
import { loadRegistrations, type Registrations } from './registrations.ts';
import { Quarantine } from './quarantine.ts';
import { registerReturn } from './return.ts';
import { registerSafeguardRoutes } from './safeguard-routes.ts';
import { Sessions } from './session.ts';
import { registerSmartAs } from './smart-as/index.ts';
import { registerPgoDomainStart } from './pgo-domain/launch.ts';
import { PgoDomainStore } from './pgo-domain/store.ts';
import { pgoDomainCards } from './pgo-domain/views.ts';
import { dossierPage, errorPage, startPage } from './views.ts';
import { selfStartSection } from './views-levels.ts';

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
}

// Pages carry personal data and flow state: never cached, framed, sniffed, or leaked through Referer.
const CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'";

/** Builds the PGO app; the caller listens (main.ts) or injects (tests). */
export async function buildPgo(config: PgoConfig, deps: PgoDeps = {}): Promise<FastifyInstance> {
  const fetchImpl = deps.fetch ?? globalThis.fetch;
  const app = Fastify({ logger: loggerOptions(config.logLevel) });
  const store = deps.store ?? openStore(config.store, app.log, { prefix: 'pgo:' });
  await epochOf(store).current().catch(() => undefined); // the epoch exists before anything is issued; a store away now sets it later (docs/decisions.md I77)
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
  if (!deps.store) app.addHook('onClose', () => store.close());
  await app.register(cookie, { secret: config.cookieSecret });
  await app.register(formbody);

  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    if (!reply.hasHeader('content-security-policy')) reply.header('content-security-policy', CSP);
    if (String(reply.getHeader('content-type') ?? '').startsWith('text/html')) reply.header('cache-control', 'no-store');
    return payload;
  });

  // Every bad input is a 4xx page (DESIGN.md conventions); only the unforeseen is a 500, logged.
  app.setErrorHandler((error: FastifyError | PageError, request, reply) => {
    let status = 500;
    let title = 'Something went wrong';
    let message = 'An unexpected error occurred. Please try again.';
    if (isStoreUnavailable(error)) {
      request.log.error({ err: error }, 'store unavailable');
      reply.header('retry-after', String(STORE_RETRY_AFTER));
      [status, title, message] = [503, 'Temporarily unavailable', 'The PGO is temporarily unavailable. Please try again in a moment.'];
    } else if (error instanceof PageError) {
      ({ status, title, message } = error);
      request.log[status >= 500 ? 'warn' : 'info']({ err: error }, 'request refused');
    } else if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      ({ statusCode: status } = error);
      title = 'Bad request';
      message = 'The request is malformed.';
    } else {
      request.log.error({ err: error }, 'unhandled error');
    }
    return reply.code(status).type('text/html; charset=utf-8').send(errorPage(title, message));
  });
  app.setNotFoundHandler((_request, reply) =>
    reply.code(404).type('text/html; charset=utf-8').send(errorPage('Not found', 'This page does not exist.')),
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
    const selfStart = selfStartSection(ctx.registrations, config.dvaFhirUrl, pgoDomainCards(dossier, session.data.csrf, pgoDomain, results)); // spec §5 levels L, S, PS
    return reply.type('text/html; charset=utf-8').send(dossierPage(session, dossier, data, notice, selfStart));
  });

  // RFC 7517 §5: the public key of the PGO's client assertions (its `jwks_uri` at the DVA).
  registerHealth(app, { store: () => readStoreEpoch(store), keys: async () => signingKey.privateKey });
  app.get('/jwks', async (_request, reply) => reply.header('cache-control', 'max-age=60').send({ keys: signingKey.jwks }));

  registerDigidLogin(app, ctx.sessions, ctx.digid, accounts);
  registerCollect(app, ctx);
  registerSafeguardRoutes(app, ctx); // identity-check.md: the confirm screen and the quarantine box
  registerLaunch(app, ctx);
  registerPgoDomainStart(app, ctx); // spec §5 level PS (docs/integration-levels.md)
  registerOption1(app, ctx); // option 1's callback (docs/option-1.md)
  registerReturn(app, ctx);
  await registerSmartAs(app, ctx); // options 2a/2b (docs/option-2a-2b.md)
  return app;
}
