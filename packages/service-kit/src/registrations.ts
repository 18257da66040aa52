import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { DEFAULT_CLIENT_ASSERTION_ALGORITHMS, type ClientAssertionAlgorithm } from '@koppelmij/core/client-auth';
import { ID_TOKEN_ALGORITHMS } from '@koppelmij/core/smart';

/**
 * The deployment's client registrations (docs/architecture.md "Registrations are data"):
 * one JSON file lists the PGO and module clients, and the PGO's own catalogue. `{{NAME}}`
 * placeholders are filled from the configured URLs, so one file serves the demo, the tests and
 * docker compose. Every service parses it with these schemas and maps the part it needs.
 */

const jwks = z.object({ keys: z.array(z.record(z.string(), z.unknown())).min(1) });

const clientAuth = z.discriminatedUnion('token_endpoint_auth_method', [
  z.object({
    token_endpoint_auth_method: z.literal('private_key_jwt'),
    jwks_uri: z.url().optional(),
    jwks: jwks.optional(),
    /** RFC 7591 §2: narrows the client's assertions to one algorithm; absent, every one of docs/decisions-protocol.md D2 (docs/decisions.md I101). */
    token_endpoint_auth_signing_alg: z.enum(DEFAULT_CLIENT_ASSERTION_ALGORITHMS as [ClientAssertionAlgorithm, ...ClientAssertionAlgorithm[]]).optional(),
  })
    .refine((c) => Boolean(c.jwks_uri) !== Boolean(c.jwks), 'give exactly one of jwks_uri and jwks'),
  z.object({ token_endpoint_auth_method: z.enum(['client_secret_basic', 'client_secret_post']), client_secret: z.string().min(32) }),
]);

/**
 * SMART App Launch 2.x public client (`client-public`), for modules only: no credentials, so PKCE
 * (required of every client here) and, when the registration sets `dpop_bound_access_tokens`,
 * DPoP are what bind its tokens (docs/decisions.md I104).
 */
const publicClient = z.object({ token_endpoint_auth_method: z.literal('none') });
const moduleClientAuth = z.discriminatedUnion('token_endpoint_auth_method', [...clientAuth.options, publicClient]);

const common = z.object({
  client_id: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/),
  client_name: z.string().min(1),
  redirect_uris: z.array(z.url()).min(1),
  scope: z.string().min(1),
  /**
   * RFC 9449 §5.2 client metadata: the client always proves a DPoP key at the token endpoint, so it
   * never gets a Bearer token. On unless the registration says `false` (docs/decisions.md I100):
   * Bearer tokens only where a registration asks for them (RFC 9449's default is `false`).
   */
  dpop_bound_access_tokens: z.boolean().default(true),
  /** OIDC Dynamic Client Registration §2: the id_token algorithm; absent, RS256 (docs/decisions.md I103). */
  id_token_signed_response_alg: z.enum(ID_TOKEN_ALGORITHMS).optional(),
  /** Origins of the client's browser part beside its redirect URIs' (CORS, docs/decisions.md I57). */
  allowed_origins: z.array(z.url()).optional(),
});

export const pgoRegistrationSchema = common.and(clientAuth).and(
  z.object({
    /** The scope of the launch preparation's PAR (docs/protocol.md §3.1.1 W1), beside the collect `scope`. */
    launch_scope: z.string().default(''),
    return_url_allowlist: z.array(z.url()).default([]),
    /**
     * Option 2a (docs/option-2a-2b.md): the `aud` values of the module assertions this PGO, as the
     * modules' authorization server, may forward to the DVA as `actor_token` (its issuer and token
     * endpoint, docs/decisions-protocol.md D1). Empty: the PGO forwards none.
     */
    actor_token_audiences: z.array(z.url()).default([]),
  }),
);

export const launchOptions = ['1', '2a', '2b', '3a', '3b'] as const;
export type LaunchOption = (typeof launchOptions)[number];

export const integrationLevels = ['L', 'TL', 'S', 'PS', 'T'] as const;
export type IntegrationLevel = (typeof integrationLevels)[number];

/**
 * docs/protocol.md §5 [impl]: the consent policy follows the integration level unless the registration names
 * one: `always` for S (explicit consent at the DVA), `never` for T (the module is part of the care
 * provider's domain) and for the levels that share no DVA data (L, TL, PS).
 */
export const CONSENT_BY_LEVEL: Record<IntegrationLevel, 'never' | 'always'> = { L: 'never', TL: 'never', S: 'always', PS: 'never', T: 'never' };

export const moduleRegistrationSchema = common
  .and(moduleClientAuth)
  .and(
    z.object({
      /** Absent only for levels S and PS: neither is launched from a Task (docs/protocol.md §5). */
      launch_option: z.enum(launchOptions).optional(),
      integration_level: z.enum(integrationLevels).default('T'),
      launch_url: z.url(),
      consent: z.enum(['never', 'first-time', 'always']).optional(),
      openid: z.enum(['allowed', 'required', 'forbidden']).default('allowed'),
    }),
  )
  .refine((m) => (m.launch_option === undefined) === (m.integration_level === 'S' || m.integration_level === 'PS'), 'launch_option is required, except for integration_level S and PS, which have none')
  // options 2a/2b and level PS authenticate at the PGO with RFC 7523 assertions (docs/protocol.md §3.3 step 8): never public
  .refine((m) => m.token_endpoint_auth_method !== 'none' || !(m.launch_option === '2a' || m.launch_option === '2b' || m.integration_level === 'PS'), 'a public client (token_endpoint_auth_method none) cannot use option 2a, 2b or level PS')
  .transform((m) => ({ ...m, consent: m.consent ?? CONSENT_BY_LEVEL[m.integration_level] }));

/**
 * What the PGO offers beside the modules registered at the DVA (docs/protocol.md §5, docs/integration-levels.md):
 * plain links (L), Task links (TL: a Task's Endpoint whose ext-ClientID names the entry) and
 * modules in the PGO's own domain (PS). None of them is a client of the DVA.
 */
export const catalogueEntrySchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/),
    name: z.string().min(1),
    integration_level: z.enum(['L', 'TL', 'PS']),
    url: z.url({ protocol: /^https?$/ }).optional(),
  })
  .refine((e) => e.integration_level !== 'L' || e.url !== undefined, 'a level-L entry needs its url');

export const registrationsSchema = z.object({
  pgos: z.array(pgoRegistrationSchema),
  modules: z.array(moduleRegistrationSchema),
  catalogue: z.array(catalogueEntrySchema).default([]),
  /**
   * Clients of test tools (the conformance kit, docs/conformance.md): registered at the DVA like
   * modules, served by no service, offered by no PGO (docs/decisions.md I51).
   */
  test_clients: z.array(moduleRegistrationSchema).default([]),
});

export type PgoRegistration = z.infer<typeof pgoRegistrationSchema>;
export type ModuleRegistration = z.infer<typeof moduleRegistrationSchema>;
export type CatalogueEntry = z.infer<typeof catalogueEntrySchema>;
export type Registrations = z.infer<typeof registrationsSchema>;

/** Replaces `{{NAME}}` with `urls[NAME]`; an unknown placeholder is an error, not a silent blank. */
export function fillPlaceholders(text: string, urls: Record<string, string>): string {
  return text.replace(/\{\{([A-Z_]+)\}\}/g, (_, name: string) => {
    const value = urls[name];
    if (value === undefined) throw new Error(`registrations: no value for placeholder {{${name}}}`);
    return value;
  });
}

/** The repository root, for default relative paths such as `deploy/demo/registrations.json`. */
export const repoRoot = resolve(import.meta.dirname, '../../..');

export function resolveFromRoot(path: string): string {
  return isAbsolute(path) ? path : resolve(repoRoot, path);
}

/**
 * Reads the registrations file at `path` (relative to the repository root) with
 * {@link parseRegistrations}.
 *
 * @throws Error naming the file and every problem (fail fast at start-up)
 */
export function loadRegistrations(path: string, urls: Record<string, string>): Registrations {
  return parseRegistrations(readFileSync(resolveFromRoot(path), 'utf8'), urls, path);
}

/**
 * Parses registrations JSON text after filling its placeholders; every client_id and catalogue
 * id must be unique (one name, one party).
 *
 * @throws Error naming `source` and every problem
 */
export function parseRegistrations(text: string, urls: Record<string, string>, source = 'file'): Registrations {
  const parsed = registrationsSchema.safeParse(JSON.parse(fillPlaceholders(text, urls)));
  if (!parsed.success) {
    throw new Error(`registrations ${source}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const { pgos, modules, catalogue, test_clients } = parsed.data;
  const ids = [...pgos.map((c) => c.client_id), ...modules.map((c) => c.client_id), ...test_clients.map((c) => c.client_id), ...catalogue.map((e) => e.id)];
  const dupe = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dupe) throw new Error(`registrations ${source}: ${dupe} registered twice (client_id or catalogue id)`);
  return parsed.data;
}
