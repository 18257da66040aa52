/**
 * SMART App Launch scope syntax for FHIR resources ("Scopes and Launch Context"):
 * v1 `context/Type.read|write|*` and v2 `context/Type.cruds[?param=value…]`.
 *
 * Malformed scopes are not an exception here: {@link parseSmartScope} returns `undefined`
 * for anything that is not a well-formed resource scope, and {@link parseScopeString} sorts a
 * whole `scope` parameter into resource scopes, known non-resource scopes and invalid tokens,
 * so that an authorization server can answer `invalid_scope` (RFC 6749 §4.1.2.1, §5.2).
 */

/** Whose data a resource scope covers. */
export type SmartContext = 'patient' | 'user' | 'system';

/** The v2 permission letters: create, read, update, delete, search. */
export type SmartInteraction = 'c' | 'r' | 'u' | 'd' | 's';

/** A parsed resource scope. */
export interface SmartScope {
  /** The scope token as given. */
  scope: string;
  context: SmartContext;
  /** A FHIR resource type, or `'*'` for all. */
  resourceType: string;
  interactions: ReadonlySet<SmartInteraction>;
  /** SMART v2 granular scope parameters (`?category=…`), when present. */
  query?: URLSearchParams;
  version: 1 | 2;
}

/** The SMART scopes that are not about FHIR resources (launch context and identity). */
export const SMART_NON_RESOURCE_SCOPES: readonly string[] = [
  'openid',
  'fhirUser',
  'profile',
  'offline_access',
  'online_access',
  'launch',
  'launch/patient',
  'launch/encounter',
];

// RFC 6749 §3.3: scope-token = 1*NQCHAR, NQCHAR = %x21 / %x23-5B / %x5D-7E.
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

// SMART: <patient|user|system>/<ResourceType|*>.<permissions>[?<query>]
const RESOURCE_SCOPE = /^(patient|user|system)\/(\*|[A-Z][A-Za-z]{0,63})\.([^?]+)(?:\?(.*))?$/;

// SMART v2: the letters appear at most once each, in the order c, r, u, d, s.
const V2_PERMISSIONS = /^(?=[cruds])c?r?u?d?s?$/;

// SMART v1: read = read + search, write = create + update + delete, * = both.
const V1_PERMISSIONS: Record<string, readonly SmartInteraction[]> = {
  read: ['r', 's'],
  write: ['c', 'u', 'd'],
  '*': ['c', 'r', 'u', 'd', 's'],
};

/**
 * Parses one SMART resource scope (v1 or v2).
 *
 * @returns the scope, or `undefined` when `scope` is not a well-formed resource scope: a
 *   non-resource scope (`launch`, `openid`, `fhirUser`, `offline_access`, `launch/patient`), an
 *   unknown context, an empty or out-of-order v2 permission string (`.sr`, `.rr`, `.`), an unknown
 *   permission (`.x`), a missing resource type, or a query on a v1 scope or with an empty name or value.
 */
export function parseSmartScope(scope: string): SmartScope | undefined {
  if (typeof scope !== 'string' || !SCOPE_TOKEN.test(scope)) return undefined;
  const m = RESOURCE_SCOPE.exec(scope);
  if (!m) return undefined;
  const [, context, resourceType, permissions, rawQuery] = m as unknown as [string, SmartContext, string, string, string | undefined];

  const v1 = Object.hasOwn(V1_PERMISSIONS, permissions) ? V1_PERMISSIONS[permissions] : undefined;
  if (v1) {
    // Granular parameters exist only in v2 scopes.
    if (rawQuery !== undefined) return undefined;
    return { scope, context, resourceType, interactions: new Set(v1), version: 1 };
  }
  if (!V2_PERMISSIONS.test(permissions)) return undefined;
  const interactions = new Set([...permissions] as SmartInteraction[]);
  if (rawQuery === undefined) return { scope, context, resourceType, interactions, version: 2 };

  const query = parseQuery(rawQuery);
  return query && { scope, context, resourceType, interactions, query, version: 2 };
}

/** True when `scope` is a well-formed SMART resource scope, e.g. to list granular scopes to oidc-provider. */
export function isSmartScopeString(scope: string): boolean {
  return parseSmartScope(scope) !== undefined;
}

/** A `scope` parameter sorted by kind. */
export interface ParsedScopeString {
  /** Well-formed resource scopes. */
  resources: SmartScope[];
  /** Known non-resource scopes ({@link SMART_NON_RESOURCE_SCOPES} plus `options.known`). */
  others: string[];
  /** Everything else: answer `invalid_scope`, or drop them (RFC 6749 §3.3 leaves the choice to the AS). */
  invalid: string[];
}

/**
 * Sorts a space-separated `scope` value (RFC 6749 §3.3). Runs of spaces are tolerated; a
 * token outside the NQCHAR set, an unknown scope and a malformed resource scope all land in `invalid`.
 *
 * @param options.known further non-resource scopes this server understands.
 */
export function parseScopeString(scope: string, options: { known?: readonly string[] } = {}): ParsedScopeString {
  const result: ParsedScopeString = { resources: [], others: [], invalid: [] };
  if (typeof scope !== 'string') return result;
  const known = new Set([...SMART_NON_RESOURCE_SCOPES, ...(options.known ?? [])]);
  for (const token of scope.split(' ')) {
    if (token === '') continue;
    const parsed = parseSmartScope(token);
    if (parsed) result.resources.push(parsed);
    else if (known.has(token)) result.others.push(token);
    else result.invalid.push(token);
  }
  return result;
}

// SMART v2 granular scopes: `param=value` pairs in URL query syntax; every name and value non-empty.
function parseQuery(raw: string): URLSearchParams | undefined {
  if (raw === '') return undefined;
  for (const part of raw.split('&')) {
    const eq = part.indexOf('=');
    if (eq <= 0 || eq === part.length - 1) return undefined;
  }
  return new URLSearchParams(raw);
}
