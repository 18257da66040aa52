import { InvalidRequest } from '@koppelmij/core';
import { isLocalhostName } from '@koppelmij/service-kit';

/**
 * docs/protocol.md §4.5, §8 item 9: a `return_url` must lie under one of the PGO's registered origins and use
 * https; plain http only for loopback names, as RFC 8252 §7.3 allows for them. No open redirect.
 */
export function checkReturnUrl(value: string, allowlist: readonly string[]): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidRequest('return_url is not allowed');
  }
  const loopback = isLocalhostName(url.hostname) || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
  const schemeOk = url.protocol === 'https:' || (url.protocol === 'http:' && loopback);
  const listed = allowlist.some((entry) => new URL(entry).origin === url.origin);
  if (!schemeOk || !listed || url.username || url.password) throw new InvalidRequest('return_url is not allowed');
}
