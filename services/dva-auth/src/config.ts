import { z } from 'zod';
import { base64urlSecret, commonVariables, loadConfig, signingKeyVariables } from '@koppelmij/service-kit';

const url = z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/$/, ''));
const seconds = (d: number) => z.coerce.number().int().positive().default(d);
const bool = (d: boolean) => z.enum(['true', 'false']).default(d ? 'true' : 'false').transform((v) => v === 'true');
const list = <T extends string>(values: readonly [T, ...T[]], d: T[]) =>
  z.string().default(d.join(',')).transform((s) => s.split(',').map((v) => v.trim()).filter(Boolean)).pipe(z.array(z.enum(values)).min(1));

/** Environment of dva-auth. Every switch of docs/protocol.md §7.4 that concerns the DVA authorization server. */
export const dvaAuthConfigSchema = z.object({
  ...commonVariables,
  ...signingKeyVariables,
  DVA_AUTH_PORT: z.coerce.number().int().min(0).max(65535).default(4100),
  DVA_AUTH_URL: url.default('http://dva.localhost:4100'),
  DVA_FHIR_URL: url.default('http://fhir.localhost:4200/fhir'),
  DIGID_URL: url.default('http://digid.localhost:4400'),
  PGO_URL: url.default('http://pgo.localhost:4000'),
  MODULE_URL: url.default('http://module.localhost:4300'),
  DIGID_CLIENT_ID: z.string().default('dva-auth'),
  DIGID_CLIENT_SECRET: z.string().min(16).default('demo-digid-secret-change-me'),
  REGISTRATIONS_FILE: z.string().default('deploy/demo/registrations.json'),
  FHIR_BUNDLE: z.string().default('deploy/demo/fhir-bundle.json'),
  /** Comma-separated cookie signing keys (first signs); a random key when absent (demo). */
  COOKIE_KEYS: z.string().optional(),
  /** The RSA private JWK (JSON) of RS256 id_tokens (SMART App Launch 2.x sso-openid-connect); a fresh key per process when absent. */
  SIGNING_RSA_JWK: z.string().optional(),
  /** Secret for the pseudonymous `sub` (HMAC of the BSN); must be stable across restarts in a deployment. */
  PSEUDONYM_SECRET: z.string().min(16).default('demo-pseudonym-secret-change-me'),
  /** 32+ bytes, base64url; shared by all instances (RFC 9449 §8 nonces). Random when absent. */
  DPOP_NONCE_SECRET: base64urlSecret.optional(),
  DPOP_REQUIRE_NONCE: bool(true),
  /** Trust X-Forwarded-* (only behind a TLS-terminating proxy; docs/oidc-provider-notes.md §1, RFC 9700 §4.13). */
  TRUST_PROXY: bool(false),
  /** launchPrep.mode: which 3a launch preparations the DVA accepts (docs/protocol.md §7.4). */
  LAUNCH_PREP_MODES: list(['par-cookie', 'backchannel', 'backchannel+stepup'] as const, ['par-cookie']),
  /** Step-up (3a-P): answer `step_up_required` when the subject's login is older than this (s). */
  STEP_UP_MAX_AGE: seconds(900),
  /** userAuthAtModuleAuthorize (docs/decisions-protocol.md D7). */
  MODULE_USER_AUTH: z.enum(['cookie-or-digid', 'always-digid']).default('cookie-or-digid'),
  LAUNCH_CODE_TTL: seconds(180),
  LAUNCH_COOKIE_TTL: seconds(180),
  /** Option 1 (docs/protocol.md §3.2 step 2, 5): life of the collect's browser-correlation cookie, the window in which a launch needs no new DigiD login. */
  CORRELATION_COOKIE_TTL: seconds(1800),
  /** Option 3b (docs/protocol.md §2.1, §3.5 step 2): life of the DVA's SSO session cookie set at the collect (the IG's example: about 4 h). */
  SSO_SESSION_TTL: seconds(14_400),
  /** Option 2b (docs/protocol.md §3.4 step 9, Appendix B): life of the single-use temporary token, at most 5 minutes. */
  TEMPORARY_TOKEN_TTL: z.coerce.number().int().positive().max(300).default(300),
  ACCESS_TOKEN_TTL: seconds(900),
  MAX_SESSION: seconds(10_800),
  SESSION_GRACE: seconds(120),
  COLLECT_ACCESS_TOKEN_TTL: seconds(3600),
  COLLECT_CONSENT_TTL: seconds(183 * 24 * 3600),
  TOKEN_EXCHANGE_AUDIENCE: z.enum(['module-client-id', 'dva-fhir-base']).default('module-client-id'),
  TOKEN_EXCHANGE_PATIENT_RESOURCE: z.enum(['reject', 'ignore']).default('reject'),
  TOKEN_EXCHANGE_REQUIRE_TASK: z.enum(['exactly-one', 'at-least-one-resource']).default('exactly-one'),
  CHECK_ENDPOINT_CLIENT_ID: bool(true),
  ACR_VALUES: z.string().default('urn:medmij:oauth2:acr-value:launch-authorization'),
  PATIENT_FORMAT: z.enum(['id', 'reference']).default('id'),
  /** Safeguard 4.2.4 (docs/identity-check-reference.md): the patient's name and birth date in the collect token response: `off`, under `representation`, or `always`. */
  IDENTITY_IN_TOKEN_RESPONSE: z.enum(['off', 'representation', 'always']).default('off'),
  TASK_DELIVERY: list(['fhirContext', 'resource', 'authorization_details'] as const, ['fhirContext']),
  /** JSON overrides of the quotas (rate-limits.ts; docs/decisions.md I58), e.g. `{"par":{"limit":100}}`. */
  RATE_LIMITS: z.string().optional(),
});

export type DvaAuthConfig = z.infer<typeof dvaAuthConfigSchema>;

/** A config with every default applied; tests override single values. */
export function dvaAuthConfig(overrides: Partial<Record<keyof DvaAuthConfig, string>> = {}): DvaAuthConfig {
  return dvaAuthConfigSchema.parse(overrides);
}

/** Reads the configuration from environment variables (fails fast, naming each bad variable). */
export function loadDvaAuthConfig(env: Record<string, string | undefined> = process.env): DvaAuthConfig {
  return loadConfig(dvaAuthConfigSchema, env);
}
