import { z } from 'zod';

/**
 * The configuration pieces every service shares (docs/configuration.md "Common to every service"):
 * one zod schema per kind of variable, so the five services read `HOST`, URLs, ports, `STORE`,
 * `LOG_LEVEL`, keys and secrets alike.
 */

/** An absolute http(s) URL without a trailing slash, so paths can be appended with `${base}/path`. */
export const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL' }).transform((u) => u.replace(/\/+$/, ''));

export const portVariable = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

/** `true`/`false` (also `1`/`0`). */
export const flagVariable = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'])
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1');

export const logLevelVariable = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info');

/** `memory` (one process) or a `redis://` / `rediss://` URL (shared by every instance). */
export const storeVariable = z.string().regex(/^(memory|rediss?:\/\/.+)$/, 'must be "memory" or a redis:// URL').default('memory');

/** A secret of at least 32 bytes, base64url (RFC 9449 §8 nonce secrets). */
export const base64urlSecret = z
  .base64url()
  .refine((s) => Buffer.from(s, 'base64url').byteLength >= 32, 'must encode at least 32 bytes (base64url)');

/** Variables of every service: bind address, log level, store. */
export const commonVariables = {
  HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: logLevelVariable,
  STORE: storeVariable,
  /** Lets a service run on its own with `STORE=memory` (docs/decisions.md I79). */
  ALLOW_MEMORY_STORE: flagVariable(false),
};

/**
 * The keys of a service that signs: `SIGNING_JWKS` is a private JWKS (the first key signs, all are
 * published; docs/decisions.md I78) or one private JWK; `SIGNING_JWK` is its older name.
 */
export const signingKeyVariables = {
  SIGNING_JWKS: z.string().min(1).optional(),
  SIGNING_JWK: z.string().min(1).optional(),
};
