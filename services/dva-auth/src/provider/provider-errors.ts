import { errors } from 'oidc-provider';
import { OAuthError } from '@koppelmij/core';

/**
 * oidc-provider answers only its own error classes with RFC 6749 §5.2 JSON; anything else
 * becomes `server_error`. Handlers written with the core's OAuthError go through this.
 */
export function toProviderError(error: unknown): unknown {
  if (!(error instanceof OAuthError)) return error;
  const converted = new errors.CustomOIDCProviderError(error.error, error.error_description ?? error.error);
  Object.assign(converted, { status: error.status, statusCode: error.status, expose: true });
  return converted;
}

/** Wraps a grant handler so core errors reach the client as the RFC's error codes. */
export function withProviderErrors<A extends unknown[]>(handler: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args) => {
    try {
      await handler(...args);
    } catch (error) {
      throw toProviderError(error);
    }
  };
}
