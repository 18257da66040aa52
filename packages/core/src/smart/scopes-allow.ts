/**
 * Does a granted set of SMART scopes allow one FHIR interaction? The resource server's scope
 * check; the patient compartment and the launch-resource restriction (docs/protocol.md §4.1) are separate checks.
 */
import { parseSmartScope, type SmartContext, type SmartInteraction, type SmartScope } from './scopes.ts';

/** The FHIR RESTful interactions SMART permissions cover. */
export type FhirInteraction = 'create' | 'read' | 'update' | 'delete' | 'search';

/** SMART v2: the permission letter for each interaction (`vread` and `history` count as `read`). */
export const INTERACTION_LETTER: Readonly<Record<FhirInteraction, SmartInteraction>> = {
  create: 'c',
  read: 'r',
  update: 'u',
  delete: 'd',
  search: 's',
};

/** One request as the resource server sees it. */
export interface ScopeRequest {
  interaction: FhirInteraction;
  resourceType: string;
  /** The context the server enforces for this token. Default `patient`. */
  context?: SmartContext;
  /**
   * The search parameters of a `search`. For a `read` under a granular scope, the parameters the
   * resource is known to match (for example after the server re-ran the read as `Type?_id=…&…`).
   */
  query?: URLSearchParams;
}

/**
 * True when at least one resource scope in `scopes` allows `request`.
 *
 * - The scope's context must equal the request's (no hierarchy: `user/` does not cover `patient/`).
 * - The scope's resource type must equal the request's, or be `*`.
 * - The interaction's letter (`c r u d s`) must be in the scope; v1 `.read` = `rs`, `.write` = `cud`.
 * - A v2 granular scope (`patient/Observation.rs?category=laboratory`) allows only a `read` or
 *   `search` whose `query` contains every `name=value` pair of the scope (exact string match after
 *   URL decoding). Repeated parameters are ANDed in FHIR search, so extra parameters only narrow
 *   the result; a comma list (`category=laboratory,vital-signs`) is an OR and does not match.
 *   For `create`, `update` and `delete` a granular scope grants nothing (fail closed).
 *
 * Non-resource and malformed scopes in `scopes` are ignored. `_include`, `_revinclude` and chained
 * parameters reach other resource types: the server checks every returned resource on its own.
 */
export function scopesAllow(scopes: string | readonly string[], request: ScopeRequest): boolean {
  const context = request.context ?? 'patient';
  const letter = INTERACTION_LETTER[request.interaction];
  return resourceScopes(scopes).some(
    (scope) =>
      scope.context === context &&
      coversType(scope, request.resourceType) &&
      scope.interactions.has(letter) &&
      (scope.query === undefined || granularAllows(scope.query, request)),
  );
}

/**
 * The interactions `scopes` grant on `resourceType` in `context` without conditions. Granular
 * (query) scopes are left out: they allow individual requests only, see {@link scopesAllow}.
 */
export function grantedInteractions(
  scopes: string | readonly string[],
  resourceType: string,
  context: SmartContext = 'patient',
): Set<SmartInteraction> {
  const granted = new Set<SmartInteraction>();
  for (const scope of resourceScopes(scopes)) {
    if (scope.context !== context || !coversType(scope, resourceType) || scope.query) continue;
    for (const letter of scope.interactions) granted.add(letter);
  }
  return granted;
}

function resourceScopes(scopes: string | readonly string[]): SmartScope[] {
  const tokens = typeof scopes === 'string' ? scopes.split(' ') : Array.isArray(scopes) ? scopes : [];
  return tokens.map(parseSmartScope).filter((s): s is SmartScope => s !== undefined);
}

function coversType(scope: SmartScope, resourceType: string): boolean {
  return scope.resourceType === '*' || scope.resourceType === resourceType;
}

function granularAllows(required: URLSearchParams, request: ScopeRequest): boolean {
  if (request.interaction !== 'read' && request.interaction !== 'search') return false;
  const query = request.query;
  if (!query) return false;
  for (const [name, value] of required) {
    if (!query.getAll(name).includes(value)) return false;
  }
  return true;
}
