/**
 * RFC 9449 §4.3 (9): `htu` is compared with the request's target URI ignoring query and fragment,
 * after syntax-based (RFC 3986 §6.2.2) and scheme-based (RFC 3986 §6.2.3) normalization.
 */

// RFC 3986 §2: a URI consists of these ASCII characters only (reserved, unreserved, '%').
const URI_CHARACTERS = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]+$/;
// RFC 3986 §2.3 unreserved characters.
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/**
 * Normalizes an absolute `http(s)` URI for the `htu` comparison and drops its query and fragment:
 *
 * - RFC 3986 §6.2.2.1 case: scheme and host lower-cased, percent-encodings upper-cased (`%7e` → `%7E`);
 * - RFC 3986 §6.2.2.2 percent-encoded unreserved characters decoded (`%7E` → `~`);
 * - RFC 3986 §6.2.2.3 dot-segments removed (`/a/./b/../c` → `/a/c`);
 * - RFC 3986 §6.2.3 default port removed and an empty path becomes `/`.
 *
 * A non-empty trailing slash stays significant (`/a` ≠ `/a/`). Throws a TypeError for anything
 * that is not an absolute http(s) URI of RFC 3986 characters, or that carries userinfo
 * (RFC 9110 §4.2.4 forbids it in http(s) URIs).
 */
export function normalizeHtu(uri: string): string {
  if (!URI_CHARACTERS.test(uri)) throw new TypeError('htu is not an RFC 3986 URI');
  let url: URL;
  try {
    url = new URL(uri); // WHATWG parsing lower-cases scheme and host, drops the default port, removes dot-segments
  } catch {
    throw new TypeError('htu is not an absolute URI');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError('htu is not an http(s) URI');
  if (url.username !== '' || url.password !== '') throw new TypeError('htu carries userinfo');
  return `${url.protocol}//${url.host}${normalizePercentEncoding(url.pathname)}`;
}

function normalizePercentEncoding(path: string): string {
  return path.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => {
    const char = String.fromCharCode(Number.parseInt(hex, 16));
    return UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`;
  });
}
