import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { commonVariables, httpUrl, loadConfig, portVariable, signingKeyVariables } from '@koppelmij/service-kit';

/** The repository root, against which a relative `REGISTRATIONS_FILE` path is resolved. */
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface ModuleConfig {
  port: number;
  host: string;
  /** The module's public base URL (`launch_url`, `redirect_uri` and `jwks_uri` hang below it); no trailing slash. */
  publicUrl: string;
  /** Absolute path of the registrations file (the `modules` array is this service's part). */
  registrationsPath: string;
  /** Values for the registrations' `{{NAME}}` placeholders. */
  placeholders: Readonly<Record<string, string>>;
  /**
   * The FHIR bases (`iss` values) this module holds a registration with. A launch naming any
   * other `iss` is refused before any request leaves the module (docs/protocol.md §8 item 29, W10 [impl]).
   */
  trustedIssuers: readonly string[];
  /** The private JWK (JSON) that signs client assertions; a fresh key per process when absent (demo). */
  signingJwk?: string;
  /** `memory` or a `redis://` URL: sessions, pending launches and tokens live there. */
  store: string;
  /** Signs the session cookie; a random secret per process when absent (sessions then end on restart). */
  cookieSecret?: string;
  logLevel: string;
}

export const schema = z.object({
  ...commonVariables,
  ...signingKeyVariables,
  MODULE_PORT: portVariable(4300),
  MODULE_URL: httpUrl.default('http://module.localhost:4300'),
  PGO_URL: httpUrl.default('http://pgo.localhost:4000'),
  DVA_AUTH_URL: httpUrl.default('http://dva.localhost:4100'),
  DVA_FHIR_URL: httpUrl.default('http://fhir.localhost:4200/fhir'),
  DIGID_URL: httpUrl.default('http://digid.localhost:4400'),
  REGISTRATIONS_FILE: z.string().min(1).default('deploy/demo/registrations.json'),
  /** Comma- or space-separated FHIR bases; default: the DVA FHIR base and the PGO FHIR base. */
  TRUSTED_ISSUERS: z
    .string()
    .optional()
    .transform((s) => s?.split(/[\s,]+/).filter(Boolean))
    .pipe(z.array(httpUrl).min(1).optional()),
  COOKIE_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
});

/**
 * Reads the module configuration from environment variables and fails fast, naming every bad
 * variable.
 */
export function loadModuleConfig(env: Record<string, string | undefined> = process.env): ModuleConfig {
  const e = loadConfig(schema, env);
  return {
    port: e.MODULE_PORT,
    host: e.HOST,
    publicUrl: e.MODULE_URL,
    registrationsPath: isAbsolute(e.REGISTRATIONS_FILE) ? e.REGISTRATIONS_FILE : resolve(REPO_ROOT, e.REGISTRATIONS_FILE),
    placeholders: {
      MODULE_URL: e.MODULE_URL,
      PGO_URL: e.PGO_URL,
      DVA_AUTH_URL: e.DVA_AUTH_URL,
      DVA_FHIR_URL: e.DVA_FHIR_URL,
      DIGID_URL: e.DIGID_URL,
    },
    // the DVA's FHIR base, and the PGO's, which is the `iss` of an option 2a/2b launch (docs/protocol.md §3.3 step 4)
    trustedIssuers: e.TRUSTED_ISSUERS ?? [e.DVA_FHIR_URL, `${e.PGO_URL}/fhir`],
    ...((e.SIGNING_JWKS ?? e.SIGNING_JWK) !== undefined && { signingJwk: e.SIGNING_JWKS ?? e.SIGNING_JWK }),
    store: e.STORE,
    ...(e.COOKIE_SECRET !== undefined && { cookieSecret: e.COOKIE_SECRET }),
    logLevel: e.LOG_LEVEL,
  };
}
