// Every service's main.ts as a container runs it (docs/decisions.md I79–I81): refuses demo secrets
// in production and a memory store on its own; drains in-flight requests and exits 0 on SIGTERM.
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { reservePort } from '@koppelmij/service-kit';
import { spawnService, waitFor200, within, type ServiceProcess } from '../support/service-process.ts';

const SERVICES = {
  'dva-auth': { port: 'DVA_AUTH_PORT', url: 'DVA_AUTH_URL', path: '' },
  'dva-fhir': { port: 'DVA_FHIR_PORT', url: 'DVA_FHIR_URL', path: '/fhir' },
  pgo: { port: 'PGO_PORT', url: 'PGO_URL', path: '' },
  module: { port: 'MODULE_PORT', url: 'MODULE_URL', path: '' },
  'digid-mock': { port: 'DIGID_PORT', url: 'DIGID_URL', path: '' },
} as const;
type Name = keyof typeof SERVICES;

const running: ServiceProcess[] = [];
afterEach(() => running.splice(0).forEach((p) => p.child.kill('SIGKILL')));

async function start(name: Name, env: Record<string, string> = {}) {
  const reservation = await reservePort();
  const { port, url, path } = SERVICES[name];
  const origin = `http://127.0.0.1:${reservation.port}`;
  await reservation.release();
  const service = spawnService(name, { [port]: String(reservation.port), [url]: `${origin}${path}`, STORE: 'memory', ALLOW_MEMORY_STORE: 'true', LOG_LEVEL: 'warn', ...env });
  running.push(service);
  return { service, origin };
}

describe('start-up refusals', () => {
  it('dva-auth refuses demo secrets and made-up keys under NODE_ENV=production, naming each variable', async () => {
    const { service } = await start('dva-auth', { NODE_ENV: 'production', PSEUDONYM_SECRET: 'demo-pseudonym-secret-change-me' });
    expect(await within(service.exited, 15_000, 'exit')).toBe(1);
    for (const name of ['SIGNING_JWKS', 'COOKIE_KEYS', 'DPOP_NONCE_SECRET', 'PSEUDONYM_SECRET', 'DIGID_CLIENT_SECRET']) expect(service.output()).toContain(`${name}: `);
  });

  it('the PGO refuses them behind an https public URL', async () => {
    const { service } = await start('pgo', { PGO_URL: 'https://pgo.example.nl' });
    expect(await within(service.exited, 15_000, 'exit')).toBe(1);
    expect(service.output()).toMatch(/pgo refuses to start:[\s\S]*COOKIE_SECRET: [\s\S]*PGO_AS_SIGNING_JWKS: /);
  });

  it('each service refuses STORE=memory on its own unless ALLOW_MEMORY_STORE=true', async () => {
    const services = await Promise.all((Object.keys(SERVICES) as Name[]).map((name) => start(name, { ALLOW_MEMORY_STORE: 'false' })));
    for (const { service } of services) {
      expect(await within(service.exited, 20_000, 'exit')).toBe(1);
      expect(service.output()).toContain('STORE: "memory" keeps state in this process only');
    }
  });
});

describe('shutdown on SIGTERM', () => {
  it('dva-auth lets a request in flight finish, then exits 0', async () => {
    const { service, origin } = await start('dva-auth');
    await waitFor200(`${origin}/health/live`);
    // a token request whose body arrives slowly: in flight when SIGTERM comes
    const { port } = new URL(origin);
    const answered = new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/token', headers: { 'content-type': 'application/x-www-form-urlencoded', 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection }));
      });
      req.on('error', reject);
      req.write('grant_type=authorization_code');
      setTimeout(() => {
        service.child.kill('SIGTERM');
        setTimeout(() => req.end('&code=x&client_id=module-3a'), 500);
      }, 300);
    });
    const response = await within(answered, 5000, 'the in-flight answer');
    expect(response.status).toBe(401); // answered (no client authentication: invalid_client), not a reset connection
    expect(response.connection).toBe('close');
    expect(await within(service.exited, 5000, 'exit after SIGTERM')).toBe(0);
  });

  it('every service exits 0 within 5 s of SIGTERM', async () => {
    const services = await Promise.all((Object.keys(SERVICES) as Name[]).map((name) => start(name)));
    await Promise.all(services.map(({ origin }) => waitFor200(`${origin}/health/live`, 30_000)));
    for (const { service } of services) service.child.kill('SIGTERM');
    for (const { service } of services) expect(await within(service.exited, 5000, 'exit after SIGTERM')).toBe(0);
  });
});
