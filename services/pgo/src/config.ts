/**
 * The PGO's configuration, read from environment variables through one zod schema
 * (docs/architecture.md: every service fails fast with the variable's name).
 */
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { base64urlSecret, commonVariables, loadConfig, portVariable, signingKeyVariables } from '@koppelmij/service-kit';
import { TOKEN_TYPE } from '@koppelmij/core/token-exchange';

/** An absolute http(s) URL without a trailing slash, so paths can be appended with `${base}/path`. */
const baseUrl = (fallback: string) =>
  z
    .url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL' })
    .default(fallback)
    .transform((value) => value.replace(/\/+$/, ''));

const DEFAULT_REGISTRATIONS_FILE = fileURLToPath(new URL('../../../deploy/demo/registrations.json', import.meta.url));
const DEFAULT_ACCOUNTS_FILE = fileURLToPath(new URL('../../../deploy/demo/pgo-accounts.json', import.meta.url));

/** docs/identity-check-reference.md "Alternatives": the safeguards against data of person B in the dossier of person A. */
export const SAFEGUARDS = ['identity-endpoint', 'confirm-screen', 'quarantine', 'token-identity'] as const;
export type Safeguard = (typeof SAFEGUARDS)[number];

/** The identifying fields the PGO may send to the DVA's identity check (docs/identity-check-reference.md "Contract"). */
export const IDENTITY_FIELDS = ['bsn', 'family', 'given', 'birthDate'] as const;
export type IdentityFieldName = (typeof IDENTITY_FIELDS)[number];

/** A comma-separated list of `values`, at least one. */
const listOf = <T extends string>(values: readonly [T, ...T[]], fallback: readonly T[]) =>
  z
    .string()
    .default(fallback.join(','))
    .transform((s) => [...new Set(s.split(',').map((v) => v.trim()).filter(Boolean))])
    .pipe(z.array(z.enum(values)).min(1));

/** docs/protocol.md §7.4 `launchPrep.mode`: 3a-W (default), 3a-P, or 3a-P with the 2025 step-up. */
export const LAUNCH_PREP_MODES = ['par-cookie', 'backchannel', 'backchannel+stepup'] as const;
export type LaunchPrepMode = (typeof LAUNCH_PREP_MODES)[number];

export const PgoEnvironment = z.object({
  ...commonVariables,
  ...signingKeyVariables,
  PGO_PORT: portVariable(4000),
  PGO_URL: baseUrl('http://pgo.localhost:4000'),
  DVA_AUTH_URL: baseUrl('http://dva.localhost:4100'),
  DVA_FHIR_URL: baseUrl('http://fhir.localhost:4200/fhir'),
  DIGID_URL: baseUrl('http://digid.localhost:4400'),
  /** Only used to fill `{{MODULE_URL}}` in the registrations file. */
  MODULE_URL: baseUrl('http://module.localhost:4300'),
  PGO_CLIENT_ID: z.string().min(1).default('pgo-demo'),
  PGO_DIGID_CLIENT_ID: z.string().min(1).default('pgo-demo'),
  PGO_DIGID_CLIENT_SECRET: z.string().min(1).default('demo-pgo-digid-secret-change-me'),
  PGO_DIGID_SCOPE: z.string().min(1).default('openid profile bsn'),
  REGISTRATIONS_FILE: z.string().min(1).default(DEFAULT_REGISTRATIONS_FILE),
  /** The PGO's accounts: who may open whose dossier on their behalf (docs/identity-check.md). */
  PGO_ACCOUNTS_FILE: z.string().min(1).default(DEFAULT_ACCOUNTS_FILE),
  PGO_IDENTITY_SAFEGUARDS: listOf(SAFEGUARDS, ['identity-endpoint']),
  /** For which collects the safeguards run: for a represented person (default), or `always`. */
  PGO_IDENTITY_CHECK: z.enum(['representation', 'always']).default('representation'),
  /** `true`: `insufficient-data`, or a check that could not be made, blocks; `false`: the PGO collects and says so. */
  PGO_IDENTITY_REQUIRED: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
  /** What the PGO sends of the dossier's person (data minimisation). */
  PGO_IDENTITY_FIELDS: listOf(IDENTITY_FIELDS, IDENTITY_FIELDS),
  /** The DVA's identity-check endpoint, below its FHIR base. */
  PGO_IDENTITY_PATH: z.string().regex(/^[a-z][a-z0-9-]*(?:\/[a-z][a-z0-9-]*)*$/, 'must be a lower-case path').default('userinfo'),
  LAUNCH_PREP_MODE: z.enum(LAUNCH_PREP_MODES).default('par-cookie'),
  /** docs/protocol.md §7.4 `launch.redirectMode`. */
  LAUNCH_REDIRECT: z.enum(['302', 'form_post']).default('302'),
  /** docs/protocol.md §3.1.1 W1: "a set prescribed by the DVA and configurable per DVA". */
  LAUNCH_SCOPE: z.string().min(1).default('launch openid fhirUser patient/*.read'),
  /** docs/protocol.md §7.4 `tokenExchange.audience`, used by 3a-P (3a-W always sends the module client_id, W1/W7). */
  TOKEN_EXCHANGE_AUDIENCE: z.enum(['module-client-id', 'dva-fhir-base']).default('module-client-id'),
  /** docs/protocol.md §7.4 `tokenExchange.requestedTokenType`, used by 3a-P (3a-W always asks for the launch code, W7). */
  TOKEN_EXCHANGE_REQUESTED_TOKEN_TYPE: z
    .enum([TOKEN_TYPE.LAUNCH_CODE, TOKEN_TYPE.ACCESS_TOKEN, TOKEN_TYPE.ONE_TIME_CODE])
    .default(TOKEN_TYPE.LAUNCH_CODE),
  COOKIE_SECRET: z.string().min(32, 'must be at least 32 characters').default('demo-pgo-cookie-secret-change-me-in-a-real-deployment'),
  /** Options 2a/2b: the DPoP nonce secret of the PGO's authorization server (RFC 9449 §8), 32+ bytes base64url, the same on every instance; random when absent. */
  PGO_AS_DPOP_NONCE_SECRET: base64urlSecret.optional(),
  /** Options 2a/2b and level PS: the private JWKS of the PGO's authorization server (never its client key at the DVA); a fresh key per process when absent. */
  PGO_AS_SIGNING_JWKS: z.string().min(1).optional(),
  /** JSON overrides of the quotas (rate-limits.ts; docs/decisions.md I58). */
  RATE_LIMITS: z.string().optional(),
});

/** The PGO's switches of docs/identity-check-reference.md ("Switches"). */
export interface IdentityConfig {
  safeguards: readonly Safeguard[];
  when: 'representation' | 'always';
  required: boolean;
  fields: readonly IdentityFieldName[];
  path: string;
}

export interface PgoConfig {
  port: number;
  host: string;
  pgoUrl: string;
  dvaAuthUrl: string;
  dvaFhirUrl: string;
  digidUrl: string;
  moduleUrl: string;
  clientId: string;
  digid: { clientId: string; clientSecret: string; scope: string };
  registrationsFile: string;
  accountsFile: string;
  identity: IdentityConfig;
  launchPrepMode: LaunchPrepMode;
  launchRedirect: '302' | 'form_post';
  launchScope: string;
  tokenExchangeAudience: 'module-client-id' | 'dva-fhir-base';
  tokenExchangeRequestedTokenType: string;
  store: string;
  cookieSecret: string;
  /** A private JWKS or JWK (JSON) for private_key_jwt at the DVA; a fresh key per process when absent. */
  signingJwk: string | undefined;
  asDpopNonceSecret: string | undefined;
  asSigningJwks: string | undefined;
  logLevel: string;
  /** `RATE_LIMITS`: JSON overrides of the quotas (docs/decisions.md I58). */
  rateLimits: string | undefined;
}

/**
 * Reads the PGO configuration from `env` (default `process.env`); unset variables take the
 * demo defaults of docs/architecture.md.
 *
 * @throws Error naming every invalid variable
 */
export function loadPgoConfig(env: Record<string, string | undefined> = process.env): PgoConfig {
  const e = loadConfig(PgoEnvironment, env);
  return {
    port: e.PGO_PORT,
    host: e.HOST,
    pgoUrl: e.PGO_URL,
    dvaAuthUrl: e.DVA_AUTH_URL,
    dvaFhirUrl: e.DVA_FHIR_URL,
    digidUrl: e.DIGID_URL,
    moduleUrl: e.MODULE_URL,
    clientId: e.PGO_CLIENT_ID,
    digid: { clientId: e.PGO_DIGID_CLIENT_ID, clientSecret: e.PGO_DIGID_CLIENT_SECRET, scope: e.PGO_DIGID_SCOPE },
    registrationsFile: e.REGISTRATIONS_FILE,
    accountsFile: e.PGO_ACCOUNTS_FILE,
    identity: {
      safeguards: e.PGO_IDENTITY_SAFEGUARDS,
      when: e.PGO_IDENTITY_CHECK,
      required: e.PGO_IDENTITY_REQUIRED,
      fields: e.PGO_IDENTITY_FIELDS,
      path: e.PGO_IDENTITY_PATH,
    },
    launchPrepMode: e.LAUNCH_PREP_MODE,
    launchRedirect: e.LAUNCH_REDIRECT,
    launchScope: e.LAUNCH_SCOPE,
    tokenExchangeAudience: e.TOKEN_EXCHANGE_AUDIENCE,
    tokenExchangeRequestedTokenType: e.TOKEN_EXCHANGE_REQUESTED_TOKEN_TYPE,
    store: e.STORE,
    cookieSecret: e.COOKIE_SECRET,
    signingJwk: e.SIGNING_JWKS ?? e.SIGNING_JWK,
    asDpopNonceSecret: e.PGO_AS_DPOP_NONCE_SECRET,
    asSigningJwks: e.PGO_AS_SIGNING_JWKS,
    logLevel: e.LOG_LEVEL,
    rateLimits: e.RATE_LIMITS,
  };
}
