/**
 * The SMART App Launch 2.x discovery document, `{fhirBase}/.well-known/smart-configuration`
 * (SMART App Launch 2.x "Conformance": FHIR Authorization Endpoint and Capabilities Discovery).
 */

/**
 * The capabilities a Koppelmij DVA advertises (docs/protocol.md §1.1 **[impl]**): the module launch is an
 * EHR-style launch (`launch` + `iss`), so `launch-ehr` and `context-ehr-patient`, not the
 * walkthrough's standalone pair.
 */
export const KOPPELMIJ_DVA_CAPABILITIES = [
  'launch-ehr',
  'context-ehr-patient',
  'client-confidential-symmetric',
  'client-confidential-asymmetric',
  'permission-patient',
  'permission-v1',
  'permission-v2',
  'sso-openid-connect',
  'authorize-post',
] as const;

/** An entry of `associated_endpoints`: another FHIR endpoint served by the same authorization server. */
export interface AssociatedEndpoint {
  url: string;
  capabilities: string[];
}

/** The `.well-known/smart-configuration` document (SMART 2.x metadata plus Koppelmij's `token_exchange_endpoint`). */
export interface SmartConfiguration {
  issuer?: string;
  jwks_uri?: string;
  authorization_endpoint: string;
  token_endpoint: string;
  grant_types_supported: string[];
  token_endpoint_auth_methods_supported?: string[];
  token_endpoint_auth_signing_alg_values_supported?: string[];
  registration_endpoint?: string;
  scopes_supported?: string[];
  response_types_supported?: string[];
  introspection_endpoint?: string;
  revocation_endpoint?: string;
  management_endpoint?: string;
  /** Always exactly `['S256']`: SMART 2.x requires S256 and forbids `plain`. */
  code_challenge_methods_supported: ['S256'];
  capabilities: string[];
  dpop_signing_alg_values_supported?: string[];
  pushed_authorization_request_endpoint?: string;
  associated_endpoints?: AssociatedEndpoint[];
  /** Koppelmij: where RFC 8693 Token Exchange requests go, when not the `token_endpoint`. */
  token_exchange_endpoint?: string;
}

/** What {@link smartConfiguration} takes: the document without the fixed PKCE member. */
export type SmartConfigurationInput = Omit<SmartConfiguration, 'code_challenge_methods_supported'>;

export interface SmartConfigurationOptions {
  /** Allow `http:` endpoint URLs on hosts other than loopback (never in production). Default false. */
  allowHttp?: boolean;
}

/** A discovery document that breaks a SMART 2.x MUST; thrown at start-up, never sent to a client. */
export class InvalidSmartConfiguration extends TypeError {
  readonly field: string;

  constructor(field: string, problem: string) {
    super(`smart-configuration: ${field} ${problem}`);
    this.name = 'InvalidSmartConfiguration';
    this.field = field;
  }
}

// The members in the order the document lists them; undefined members are omitted.
const ORDER = [
  'issuer',
  'jwks_uri',
  'authorization_endpoint',
  'token_endpoint',
  'grant_types_supported',
  'token_endpoint_auth_methods_supported',
  'token_endpoint_auth_signing_alg_values_supported',
  'registration_endpoint',
  'scopes_supported',
  'response_types_supported',
  'introspection_endpoint',
  'revocation_endpoint',
  'management_endpoint',
  'code_challenge_methods_supported',
  'capabilities',
  'dpop_signing_alg_values_supported',
  'pushed_authorization_request_endpoint',
  'associated_endpoints',
  'token_exchange_endpoint',
] as const satisfies ReadonlyArray<keyof SmartConfiguration>;

const URL_MEMBERS = [
  'issuer',
  'jwks_uri',
  'authorization_endpoint',
  'token_endpoint',
  'registration_endpoint',
  'introspection_endpoint',
  'revocation_endpoint',
  'management_endpoint',
  'pushed_authorization_request_endpoint',
  'token_exchange_endpoint',
] as const satisfies ReadonlyArray<keyof SmartConfigurationInput>;

const ALG_MEMBERS = ['token_endpoint_auth_signing_alg_values_supported', 'dpop_signing_alg_values_supported'] as const;

/**
 * Builds the `.well-known/smart-configuration` JSON from typed input, checking the SMART 2.x
 * requirements that a typo could break. `code_challenge_methods_supported` is always `['S256']`.
 *
 * @throws {InvalidSmartConfiguration} naming the offending member.
 */
export function smartConfiguration(input: SmartConfigurationInput, options: SmartConfigurationOptions = {}): SmartConfiguration {
  // SMART 2.x Conformance, Metadata: REQUIRED members.
  for (const field of ['authorization_endpoint', 'token_endpoint'] as const) {
    if (!input[field]) throw new InvalidSmartConfiguration(field, 'is required');
  }
  for (const field of ['grant_types_supported', 'capabilities'] as const) {
    if (!Array.isArray(input[field]) || input[field].length === 0) throw new InvalidSmartConfiguration(field, 'must be a non-empty array');
  }
  // SMART 2.x: `issuer` and `jwks_uri` are required when the server offers sso-openid-connect.
  if (input.capabilities.includes('sso-openid-connect')) {
    for (const field of ['issuer', 'jwks_uri'] as const) {
      if (!input[field]) throw new InvalidSmartConfiguration(field, 'is required with sso-openid-connect');
    }
  }
  // SMART 2.x client-confidential-asymmetric: the server lists the algorithms it accepts for client assertions.
  if (input.capabilities.includes('client-confidential-asymmetric') && !input.token_endpoint_auth_signing_alg_values_supported?.length) {
    throw new InvalidSmartConfiguration('token_endpoint_auth_signing_alg_values_supported', 'is required with client-confidential-asymmetric');
  }
  for (const field of URL_MEMBERS) {
    const value = input[field];
    if (value !== undefined) checkUrl(field, value, options.allowHttp === true);
  }
  for (const [i, endpoint] of (input.associated_endpoints ?? []).entries()) {
    checkUrl(`associated_endpoints[${i}].url`, endpoint.url, options.allowHttp === true);
  }
  // docs/decisions-protocol.md D2: never `none`, never HS* (a shared secret cannot sign a client assertion or DPoP proof here).
  for (const field of ALG_MEMBERS) {
    if (input[field]?.some((alg) => alg === 'none' || alg.startsWith('HS'))) {
      throw new InvalidSmartConfiguration(field, 'must not list none or HS* algorithms');
    }
  }

  const document: SmartConfiguration = { ...input, code_challenge_methods_supported: ['S256'] };
  const out: Record<string, unknown> = {};
  for (const key of ORDER) if (document[key] !== undefined) out[key] = document[key];
  return out as unknown as SmartConfiguration;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

// RFC 8414 §2: endpoint URLs are absolute https URLs; the issuer carries no query or fragment.
function checkUrl(field: string, value: string, allowHttp: boolean): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidSmartConfiguration(field, 'must be an absolute URL');
  }
  const httpOk = url.protocol === 'http:' && (allowHttp || LOOPBACK.has(url.hostname));
  if (url.protocol !== 'https:' && !httpOk) throw new InvalidSmartConfiguration(field, 'must use https');
  if (url.hash) throw new InvalidSmartConfiguration(field, 'must not carry a fragment');
  if (field === 'issuer' && url.search) throw new InvalidSmartConfiguration(field, 'must not carry a query');
}
