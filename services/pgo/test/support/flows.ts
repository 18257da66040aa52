/**
 * The PGO built against the fake world, and the browser steps the tests share.
 */
import { expect } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { loadSigningKey } from '@koppelmij/service-kit';
import { buildPgo, type PgoDeps } from '../../src/app.ts';
import { loadPgoConfig, type PgoConfig } from '../../src/config.ts';
import { Browser, csrfFrom } from './browser.ts';
import { BSN, FakeWorld } from './fake-world.ts';

export interface Setup {
  app: FastifyInstance;
  world: FakeWorld;
  browser: Browser;
  config: PgoConfig;
}

export async function setup(env: Record<string, string> = {}, deps: Pick<PgoDeps, 'store'> = {}): Promise<Setup> {
  const signingKey = await loadSigningKey();
  const world = await FakeWorld.create(signingKey);
  const config = loadPgoConfig({ LOG_LEVEL: 'silent', ...env });
  const app = await buildPgo(config, { fetch: world.fetch, signingKey, ...deps });
  return { app, world, browser: new Browser(app), config };
}

/** DigiD login through the PGO; ends on the start page. */
export async function login({ browser, world }: Setup): Promise<string> {
  const start = await browser.get('/login');
  expect(start.statusCode).toBe(302);
  const back = await browser.get(world.digidAuthorize(start.headers.location as string));
  expect(back.statusCode).toBe(303);
  return (await browser.get('/')).body;
}

/** The collect flow for the own dossier; returns the dossier page after it. */
export async function collect({ browser, world }: Setup): Promise<string> {
  const dossier = await browser.get(`/dossier/${BSN}`);
  const redirect = await browser.post(`/dossier/${BSN}/collect`, { csrf: csrfFrom(dossier.body) });
  expect(redirect.statusCode).toBe(302);
  const back = await browser.get(world.dvaAuthorize(redirect.headers.location as string));
  expect(back.statusCode).toBe(303);
  expect(back.headers.location).toBe(`/dossier/${BSN}`);
  return (await browser.get(`/dossier/${BSN}`)).body;
}

/** Presses "start module" for `taskId` on the dossier page. */
export async function startModule({ browser }: Setup, taskId: string) {
  const dossier = await browser.get(`/dossier/${BSN}`);
  return browser.post(`/dossier/${BSN}/tasks/${taskId}/start`, { csrf: csrfFrom(dossier.body) });
}
