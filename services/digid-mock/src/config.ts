import { z } from 'zod';
import { randomToken } from '@koppelmij/core';
import { commonVariables, portVariable, signingKeyVariables } from '@koppelmij/service-kit';

const httpUrl = z.url({ protocol: /^https?$/ });

/** A relying party of the mock DigiD (OIDC Dynamic Client Registration §2 metadata names). */
export const digidClientSchema = z.strictObject({
  client_id: z.string().min(1),
  client_secret: z.string().min(16),
  redirect_uris: z.array(httpUrl).min(1),
  token_endpoint_auth_method: z.enum(['client_secret_basic', 'client_secret_post']).default('client_secret_basic'),
});

export type DigidClient = z.output<typeof digidClientSchema>;

const clientsJson = z
  .string()
  .transform((text, ctx): unknown => {
    try {
      return JSON.parse(text);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON array of client registrations' });
      return z.NEVER;
    }
  })
  .pipe(z.array(digidClientSchema).min(1));

const cookieKeys = z
  .string()
  .transform((text) => text.split(',').map((k) => k.trim()))
  .pipe(z.array(z.string().min(16, 'each cookie key needs at least 16 characters')).min(1));

const withoutSlash = (url: string) => url.replace(/\/+$/, '');

function defaultClient(client_id: string, client_secret: string, redirect_uri: string): DigidClient {
  return { client_id, client_secret, redirect_uris: [redirect_uri], token_endpoint_auth_method: 'client_secret_basic' };
}

/**
 * The mock DigiD's configuration from the environment. The issuer (`DIGID_URL`) must be an
 * origin: oidc-provider is mounted at the root, and OIDC Discovery §3 forbids a query or
 * fragment in an issuer.
 */
export const digidMockConfigSchema = z
  .object({
    ...commonVariables,
    ...signingKeyVariables,
    DIGID_PORT: portVariable(4400),
    DIGID_URL: httpUrl
      .refine((u) => new URL(u).pathname === '/' && !new URL(u).search && !new URL(u).hash, 'must be an origin: no path, query or fragment')
      .default('http://digid.localhost:4400'),
    DVA_AUTH_URL: httpUrl.default('http://dva.localhost:4100'),
    DIGID_CLIENT_SECRET: z.string().min(16).default('demo-digid-secret-change-me'),
    PGO_URL: httpUrl.default('http://pgo.localhost:4000'),
    PGO_DIGID_CLIENT_SECRET: z.string().min(16).default('demo-pgo-digid-secret-change-me'),
    /** JSON array of clients; replaces the two default clients (dva-auth, pgo-demo). */
    DIGID_CLIENTS: clientsJson.optional(),
    /** Comma-separated cookie signing keys, newest first. Default: a random key per process. */
    COOKIE_KEYS: cookieKeys.optional(),
  })
  .transform((env) => ({
    port: env.DIGID_PORT,
    host: env.HOST,
    issuer: new URL(env.DIGID_URL).origin,
    clients: env.DIGID_CLIENTS ?? [
      defaultClient('dva-auth', env.DIGID_CLIENT_SECRET, `${withoutSlash(env.DVA_AUTH_URL)}/digid/callback`),
      defaultClient('pgo-demo', env.PGO_DIGID_CLIENT_SECRET, `${withoutSlash(env.PGO_URL)}/login/callback`),
    ],
    cookieKeys: env.COOKIE_KEYS ?? [randomToken()],
    signingJwk: env.SIGNING_JWKS ?? env.SIGNING_JWK,
    store: env.STORE,
    logLevel: env.LOG_LEVEL,
  }));

export type DigidMockConfig = z.output<typeof digidMockConfigSchema>;
