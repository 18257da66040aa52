import { readFileSync } from 'node:fs';
import type { z } from 'zod';

/**
 * Variables that may also be given as `<NAME>_FILE`, the path of a file holding the value (e.g. a
 * mounted secret): keys and secrets, which do not belong in an environment listing
 * (docs/decisions.md I78).
 */
export const FILE_VARIABLES = [
  'SIGNING_JWKS',
  'SIGNING_RSA_JWK',
  'PGO_AS_SIGNING_JWKS',
  'COOKIE_KEYS',
  'COOKIE_SECRET',
  'DPOP_NONCE_SECRET',
  'PGO_AS_DPOP_NONCE_SECRET',
  'PSEUDONYM_SECRET',
  'DIGID_CLIENT_SECRET',
  'PGO_DIGID_CLIENT_SECRET',
  'FHIR_DATABASE_URL', // it holds the database password
] as const;

/**
 * `env` with every `<NAME>_FILE` of {@link FILE_VARIABLES} replaced by `<NAME>` = the file's text
 * (trailing newline removed).
 *
 * @throws Error when both `NAME` and `NAME_FILE` are set, or the file cannot be read
 */
export function withSecretFiles(env: Record<string, string | undefined>): Record<string, string | undefined> {
  const out = { ...env };
  for (const name of FILE_VARIABLES) {
    const path = env[`${name}_FILE`];
    if (path === undefined || path === '') continue;
    if (env[name] !== undefined) throw new Error(`invalid configuration:\n  ${name}: set either ${name} or ${name}_FILE, not both`);
    try {
      out[name] = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      throw new Error(`invalid configuration:\n  ${name}_FILE: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    delete out[`${name}_FILE`];
  }
  return out;
}

/**
 * Parses configuration from environment variables with a zod schema and fails fast
 * with one line per bad variable, naming it (docs/conventions.md: "fail fast, clear message").
 * Keys and secrets may come from files (`<NAME>_FILE`, {@link withSecretFiles}).
 */
export function loadConfig<S extends z.ZodType>(schema: S, env: Record<string, string | undefined> = process.env): z.infer<S> {
  const result = schema.safeParse(withSecretFiles(env));
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new Error(`invalid configuration:\n${lines.join('\n')}`);
}
