import { z } from 'zod';
import type { IdentityField } from '@koppelmij/core/identity';
import { base64urlSecret, commonVariables, flagVariable, httpUrl, loadConfig, portVariable, resolveFromRoot } from '@koppelmij/service-kit';

/** The Task status lifecycle (docs/protocol.md §4.8 [impl]: "a configurable transition table"). */
export type TaskTransitions = Readonly<Record<string, readonly string[]>>;

/**
 * Default lifecycle: the IG's typical `requested → received → accepted → in-progress → completed`
 * (or `failed`, `cancelled`), with `received` optional so the proposed enforced lifecycle
 * without it also holds (docs/protocol.md §4.8 [CONFLICT]).
 */
export const DEFAULT_TASK_TRANSITIONS: TaskTransitions = {
  requested: ['received', 'accepted', 'in-progress', 'cancelled'],
  received: ['accepted', 'in-progress', 'cancelled'],
  accepted: ['in-progress', 'cancelled'],
  'in-progress': ['completed', 'failed', 'cancelled'],
};

export interface DvaFhirConfig {
  port: number;
  host: string;
  /** The public FHIR base (the SMART `iss`, the access tokens' `aud`); no trailing slash. */
  fhirUrl: string;
  /** The DVA authorization server: the access tokens' `iss`, JWKS at `${authUrl}/jwks`. */
  authUrl: string;
  /** `memory` or a `redis://` URL (DPoP `jti` cache, grant revocation markers). */
  store: string;
  /** PostgreSQL for the FHIR data (`FHIR_DATABASE_URL`); the in-memory store when absent (docs/decisions.md I91). */
  databaseUrl?: string;
  /** A vendor's FHIR server dva-fhir fronts (`FHIR_UPSTREAM_URL`, docs/decisions.md I92), and dva-fhir's bearer token there. */
  upstream?: { url: string; token?: string };
  /** Absolute path of the demo bundle the data store is seeded from. */
  bundlePath: string;
  /** Values for the bundle's `{{NAME}}` placeholders. */
  placeholders: Readonly<Record<string, string>>;
  /** JSON overrides of the per-source quotas `fhir` and `identity_check` (docs/decisions.md I58). */
  rateLimits?: string;
  /** The registrations file: what the DVA's clients use, for the SMART discovery document (docs/decisions.md I102) and CORS origins (I57). */
  registrationsFile: string;
  /** docs/decisions-protocol.md D9: refuse unbound (Bearer) access tokens. */
  dpopRequired: boolean;
  /** Shared secret for RS-issued DPoP nonces (RFC 9449 §9); no nonces when absent. */
  dpopNonceSecret?: Uint8Array;
  taskTransitions: TaskTransitions;
  /** Clients whose tokens use `system/` scopes without a patient compartment. */
  systemClients: readonly string[];
  /** docs/protocol.md §4.1 [impl]: module tokens may also read the launch Tasks' directly referenced resources. */
  launchContextReferences: boolean;
  /** docs/identity-check-reference.md: the identity-check endpoint and the gate (docs/identity-check.md). */
  identityCheck: IdentityCheckConfig;
  logLevel: string;
}

/** The switches of docs/identity-check-reference.md ("Switches") that the resource server owns. */
export interface IdentityCheckConfig {
  /** For which tokens the check is required: `representation` (default), `always`, or `off` (never). */
  when: 'off' | 'representation' | 'always';
  /** Mandatory (default): the gate refuses data until `match`. Optional: the endpoint answers, the gate stays open. */
  required: boolean;
  /** Identity checks per grant before the grant is locked (default 3). */
  attempts: number;
  /** Fields both sides must carry when no BSN decides (core `matchIdentity` `requiredFields`). */
  requiredFields: readonly IdentityField[];
  /** The endpoint's path under the FHIR base (default `userinfo`). */
  path: string;
  /** How long the attempt counter, the match and the lock of a grant are kept (s): as long as a collect grant lives. */
  ttl: number;
}

const transitions = z.record(z.string().min(1), z.array(z.string().min(1)));

export const schema = z.object({
  ...commonVariables,
  DVA_FHIR_PORT: portVariable(4200),
  DVA_FHIR_URL: httpUrl.default('http://fhir.localhost:4200/fhir'),
  DVA_AUTH_URL: httpUrl.default('http://dva.localhost:4100'),
  PGO_URL: httpUrl.default('http://pgo.localhost:4000'),
  MODULE_URL: httpUrl.default('http://module.localhost:4300'),
  DIGID_URL: httpUrl.default('http://digid.localhost:4400'),
  FHIR_BUNDLE: z.string().min(1).default('deploy/demo/fhir-bundle.json'),
  FHIR_DATABASE_URL: z.string().regex(/^postgres(?:ql)?:\/\/.+/, 'must be a postgres:// URL').optional(),
  FHIR_UPSTREAM_URL: httpUrl.optional(),
  FHIR_UPSTREAM_TOKEN: z.string().min(1).optional(),
  REGISTRATIONS_FILE: z.string().min(1).default('deploy/demo/registrations.json'),
  RATE_LIMITS: z.string().optional(),
  DPOP_REQUIRED: flagVariable(false),
  DPOP_NONCE_SECRET: base64urlSecret.optional(),
  TASK_TRANSITIONS: z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (s === undefined) return DEFAULT_TASK_TRANSITIONS;
      try {
        return transitions.parse(JSON.parse(s));
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be a JSON object of status → [status, …]' });
        return z.NEVER;
      }
    }),
  SYSTEM_CLIENTS: z
    .string()
    .default('dva-auth')
    .transform((s) => s.split(/[\s,]+/).filter(Boolean)),
  LAUNCH_CONTEXT_REFERENCES: flagVariable(true),
  IDENTITY_CHECK: z.enum(['off', 'representation', 'always']).default('representation'),
  IDENTITY_CHECK_REQUIRED: flagVariable(true),
  IDENTITY_CHECK_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(3),
  IDENTITY_CHECK_FIELDS: z
    .string()
    .default('birthDate,family')
    .transform((s) => s.split(/[\s,]+/).filter(Boolean))
    .pipe(z.array(z.enum(['bsn', 'birthDate', 'family', 'initials'])).min(1)),
  // lower case, so it can never be a resource type (FHIR R4 §3.1.0: types start upper case)
  IDENTITY_CHECK_PATH: z.string().regex(/^[a-z][a-z0-9-]*(?:\/[a-z][a-z0-9-]*)*$/, 'must be a lower-case path below the FHIR base').default('userinfo'),
  IDENTITY_CHECK_TTL: z.coerce.number().int().positive().default(183 * 24 * 3600),
})
  // docs/decisions.md I92: the data lives in one place
  .refine((e) => e.FHIR_DATABASE_URL === undefined || e.FHIR_UPSTREAM_URL === undefined, {
    path: ['FHIR_UPSTREAM_URL'],
    message: 'FHIR_DATABASE_URL and FHIR_UPSTREAM_URL exclude each other',
  })
  .refine((e) => e.FHIR_UPSTREAM_TOKEN === undefined || e.FHIR_UPSTREAM_URL !== undefined, {
    path: ['FHIR_UPSTREAM_TOKEN'],
    message: 'needs FHIR_UPSTREAM_URL',
  });

/**
 * Reads the dva-fhir configuration from environment variables and fails fast, naming every
 * bad variable.
 */
export function loadDvaFhirConfig(env: Record<string, string | undefined> = process.env): DvaFhirConfig {
  const e = loadConfig(schema, env);
  return {
    port: e.DVA_FHIR_PORT,
    host: e.HOST,
    fhirUrl: e.DVA_FHIR_URL,
    authUrl: e.DVA_AUTH_URL,
    store: e.STORE,
    ...(e.FHIR_DATABASE_URL !== undefined && { databaseUrl: e.FHIR_DATABASE_URL }),
    ...(e.FHIR_UPSTREAM_URL !== undefined && {
      upstream: { url: e.FHIR_UPSTREAM_URL, ...(e.FHIR_UPSTREAM_TOKEN !== undefined && { token: e.FHIR_UPSTREAM_TOKEN }) },
    }),
    bundlePath: resolveFromRoot(e.FHIR_BUNDLE), // relative to the repository root
    registrationsFile: resolveFromRoot(e.REGISTRATIONS_FILE),
    ...(e.RATE_LIMITS !== undefined && { rateLimits: e.RATE_LIMITS }),
    placeholders: {
      DVA_FHIR_URL: e.DVA_FHIR_URL,
      DVA_AUTH_URL: e.DVA_AUTH_URL,
      PGO_URL: e.PGO_URL,
      MODULE_URL: e.MODULE_URL,
      DIGID_URL: e.DIGID_URL,
    },
    dpopRequired: e.DPOP_REQUIRED,
    ...(e.DPOP_NONCE_SECRET !== undefined && { dpopNonceSecret: new Uint8Array(Buffer.from(e.DPOP_NONCE_SECRET, 'base64url')) }),
    taskTransitions: e.TASK_TRANSITIONS,
    systemClients: e.SYSTEM_CLIENTS,
    launchContextReferences: e.LAUNCH_CONTEXT_REFERENCES,
    identityCheck: {
      when: e.IDENTITY_CHECK,
      required: e.IDENTITY_CHECK_REQUIRED,
      attempts: e.IDENTITY_CHECK_ATTEMPTS,
      requiredFields: e.IDENTITY_CHECK_FIELDS,
      path: e.IDENTITY_CHECK_PATH,
      ttl: e.IDENTITY_CHECK_TTL,
    },
    logLevel: e.LOG_LEVEL,
  };
}
