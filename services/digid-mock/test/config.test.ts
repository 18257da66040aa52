import { describe, expect, it } from 'vitest';
import { loadConfig } from '@koppelmij/service-kit';
import { digidMockConfigSchema } from '../src/index.ts';

const load = (env: Record<string, string>) => loadConfig(digidMockConfigSchema, env);

describe('configuration', () => {
  it('defaults to the demo hosts and the dva-auth and PGO clients', () => {
    const config = load({});
    expect(config).toMatchObject({ port: 4400, host: '127.0.0.1', issuer: 'http://digid.localhost:4400', store: 'memory', logLevel: 'info' });
    expect(config.clients).toEqual([
      {
        client_id: 'dva-auth',
        client_secret: 'demo-digid-secret-change-me',
        redirect_uris: ['http://dva.localhost:4100/digid/callback'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
      {
        client_id: 'pgo-demo',
        client_secret: 'demo-pgo-digid-secret-change-me',
        redirect_uris: ['http://pgo.localhost:4000/login/callback'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ]);
    expect(config.cookieKeys).toHaveLength(1);
    expect(config.cookieKeys[0]).not.toBe(load({}).cookieKeys[0]);
  });

  it('builds the default redirect_uris from DVA_AUTH_URL and PGO_URL, with the configured secrets', () => {
    const config = load({
      DVA_AUTH_URL: 'https://dva.example/',
      DIGID_CLIENT_SECRET: 'another-secret-0123456789',
      PGO_URL: 'https://pgo.example',
      PGO_DIGID_CLIENT_SECRET: 'pgo-secret-0123456789',
    });
    expect(config.clients[0]).toMatchObject({ redirect_uris: ['https://dva.example/digid/callback'], client_secret: 'another-secret-0123456789' });
    expect(config.clients[1]).toMatchObject({ redirect_uris: ['https://pgo.example/login/callback'], client_secret: 'pgo-secret-0123456789' });
  });

  it('reads DIGID_CLIENTS as a JSON array and COOKIE_KEYS as a list', () => {
    const clients = [{ client_id: 'pgo', client_secret: 'pgo-secret-0123456789', redirect_uris: ['http://pgo.localhost:4000/cb'] }];
    const config = load({ DIGID_CLIENTS: JSON.stringify(clients), COOKIE_KEYS: 'a-cookie-key-0123456789, b-cookie-key-0123456789' });
    expect(config.clients).toEqual([{ ...clients[0], token_endpoint_auth_method: 'client_secret_basic' }]);
    expect(config.cookieKeys).toEqual(['a-cookie-key-0123456789', 'b-cookie-key-0123456789']);
  });

  it.each([
    ['DIGID_CLIENTS', 'not json'],
    ['DIGID_CLIENTS', '[]'],
    ['DIGID_CLIENTS', '[{"client_id":"x","client_secret":"short","redirect_uris":["http://x/cb"]}]'],
    ['DIGID_CLIENTS', '[{"client_id":"x","client_secret":"long-enough-secret-0123","redirect_uris":["javascript:alert(1)"]}]'],
    ['DIGID_URL', 'http://digid.localhost:4400/sub'],
    ['DIGID_URL', 'http://digid.localhost:4400/?q=1'],
    ['DIGID_URL', 'ftp://digid.localhost'],
    ['DIGID_PORT', '70000'],
    ['COOKIE_KEYS', 'short'],
    ['LOG_LEVEL', 'loud'],
  ])('fails fast on %s=%s, naming the variable', (name, value) => {
    expect(() => load({ [name]: value })).toThrow(new RegExp(`^invalid configuration:\\n  ${name}`));
  });
});
