/**
 * Every route of the five services answers malformed input with a 4xx, never a 5xx (bad input
 * gets a precise refusal; docs/architecture.md). The routes come from each app's own route table;
 * the requests from a seeded generator (odd path parameters, query parameters, bodies, content
 * types, huge values, cookies, authorization headers), so a failure replays exactly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, SERVICES, type Stack } from '../../scripts/stack.ts';
import { Browser } from '../support/browser.ts';
import { malformed, prng, type Seeds } from './generate.ts';
import { routesOf } from './routes.ts';

const SEED = 20261208;
const BUDGET_MS = 30_000;
const PER_ROUTE = 60;

let t: Stack;
const seeds: Seeds = { values: [], cookies: [] };
beforeAll(async () => {
  t = await startStack({ ports: { pgo: 0, dvaAuth: 0, dvaFhir: 0, module: 0, digid: 0 }, logLevel: 'silent' });
  // a live DVA interaction (the PGO's collect, stopped at DigiD), so requests reach past the uid lookup
  const browser = new Browser();
  const start = new URL(`${t.urls.dvaAuth}/authorize`);
  start.search = new URLSearchParams({ response_type: 'code', client_id: 'pgo-demo', redirect_uri: `${t.urls.pgo}/callback`, scope: 'openid patient/Task.read', state: 'fuzz', code_challenge: 'a'.repeat(43), code_challenge_method: 'S256' }).toString();
  const atDigid = await browser.navigate(start.href, { stopAt: (url) => url.origin === t.urls.digid });
  const interaction = atDigid.hops.map((hop) => new URL(hop)).find((url) => url.pathname.startsWith('/interaction/'));
  if (interaction) {
    seeds.values.push(interaction.pathname.split('/')[2]!);
    seeds.cookies.push(browser.cookieHeader(interaction));
  }
}, 60_000);
afterAll(() => t?.close());

describe('malformed requests to every route (seeded)', () => {
  it('never answer 5xx', async () => {
    const random = prng(SEED);
    const started = Date.now();
    const failures: string[] = [];
    let sent = 0;
    const plan = SERVICES.flatMap((service) => routesOf(t.apps[service]).map((route) => ({ service, route })));
    expect(plan.length).toBeGreaterThan(50);
    outer: for (let round = 0; round < PER_ROUTE; round++) {
      for (const { service, route } of plan) {
        if (Date.now() - started > BUDGET_MS) break outer;
        const request = malformed(random, route, seeds);
        const response = await t.apps[service].inject({ method: request.method as 'GET', url: request.url, headers: request.headers, ...(request.payload !== undefined && { payload: request.payload }) });
        sent++;
        if (response.statusCode >= 500) failures.push(`${service} ${request.method} ${request.url.slice(0, 160)} ${JSON.stringify(request.headers).slice(0, 160)} body=${(request.payload ?? '').slice(0, 80)} → ${response.statusCode} ${response.body.slice(0, 160)}`);
      }
    }
    console.log(`fuzz: ${sent} requests to ${plan.length} routes in ${Date.now() - started} ms, ${failures.length} answered 5xx`);
    expect(sent).toBeGreaterThan(2000);
    expect(failures, failures.slice(0, 40).join('\n')).toEqual([]);
  }, 60_000);
});
