/**
 * The two unauthenticated documents: the CapabilityStatement (FHIR R4 §3.1.0.11 `metadata`) and
 * SMART discovery (SMART App Launch 2.x "Conformance"; docs/protocol.md §1.1 "Discovery").
 */
import { KOPPELMIJ_DVA_CAPABILITIES, clientCapabilities, smartConfiguration, type SmartConfiguration } from '@koppelmij/core/smart';
import { dvaAdvertisedSupport, isLocalhostName, loadRegistrations } from '@koppelmij/service-kit';
import type { FastifyInstance } from 'fastify';
import type { DvaFhirConfig } from '../config.ts';
import { RESOURCE_TYPES } from '../data/resource.ts';
import { searchParameters } from '../data/search.ts';

/** The scopes the demo registrations use (deploy/demo/registrations.json), v1 and v2 forms. */
const SCOPES_SUPPORTED = [
  'launch', 'openid', 'fhirUser', 'offline_access',
  'patient/*.read', 'patient/*.rs', 'patient/AuditEvent.rs', 'patient/Task.write', 'patient/Task.u',
  'patient/Observation.write', 'patient/Observation.c', 'patient/QuestionnaireResponse.write', 'patient/QuestionnaireResponse.c',
];

/**
 * The `.well-known/smart-configuration` of this FHIR base. The endpoints are the DVA
 * authorization server's (docs/protocol.md §1.1). `http:` URLs are accepted only on `*.localhost` names
 * (RFC 6761 §6.3; the demo), so a deployment misconfigured with `http:` fails at start-up.
 */
export function dvaSmartConfiguration(config: Pick<DvaFhirConfig, 'authUrl' | 'registrationsFile' | 'placeholders'>): SmartConfiguration {
  const as = config.authUrl;
  // docs/decisions.md I102: methods and algorithms from the one source dva-auth's provider is configured from
  const support = dvaAdvertisedSupport(loadRegistrations(config.registrationsFile, { ...config.placeholders }));
  const clients = clientCapabilities(support.token_endpoint_auth_methods_supported);
  const { code_challenge_methods_supported: _s256, ...advertised } = support; // smartConfiguration adds it
  return smartConfiguration(
    {
      issuer: as,
      jwks_uri: `${as}/jwks`,
      authorization_endpoint: `${as}/authorize`,
      token_endpoint: `${as}/token`,
      grant_types_supported: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:token-exchange'],
      ...advertised,
      scopes_supported: SCOPES_SUPPORTED,
      response_types_supported: ['code'],
      introspection_endpoint: `${as}/introspect`,
      revocation_endpoint: `${as}/revoke`,
      capabilities: [
        ...(clients.includes('client-public') ? ['client-public'] : []),
        ...KOPPELMIJ_DVA_CAPABILITIES.filter((c) => !c.startsWith('client-') || clients.includes(c)),
      ],
      pushed_authorization_request_endpoint: `${as}/par`,
    },
    { allowHttp: isLocalhostName(new URL(as).hostname) },
  );
}

/** The CapabilityStatement: what this server does, with the SMART oauth-uris extension. */
export function capabilityStatement(config: Pick<DvaFhirConfig, 'authUrl' | 'fhirUrl'>, date: string): Record<string, unknown> {
  const as = config.authUrl;
  const uri = (url: string, valueUri: string) => ({ url, valueUri });
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date,
    kind: 'instance',
    software: { name: 'Koppelmij DVA FHIR resource server (reference implementation)' },
    implementation: { description: 'DVA FHIR resource server', url: config.fhirUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json'],
    patchFormat: ['application/fhir+json'],
    rest: [
      {
        mode: 'server',
        security: {
          extension: [
            {
              url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
              extension: [uri('authorize', `${as}/authorize`), uri('token', `${as}/token`), uri('revoke', `${as}/revoke`), uri('introspect', `${as}/introspect`)],
            },
          ],
          service: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' }] }],
        },
        resource: RESOURCE_TYPES.map((type) => ({
          type,
          interaction: (type === 'AuditEvent' ? ['read', 'search-type'] : ['read', 'search-type', 'create', 'update', ...(type === 'Task' ? ['patch'] : [])]).map((code) => ({ code })),
          searchParam: searchParameters(type),
        })),
      },
    ],
  };
}

/** `GET metadata` and `GET .well-known/smart-configuration`, no token needed. */
export function registerDiscoveryRoutes(scope: FastifyInstance, config: DvaFhirConfig): void {
  const smart = dvaSmartConfiguration(config);
  const metadata = capabilityStatement(config, new Date().toISOString());
  scope.get('/metadata', (_request, reply) => reply.type('application/fhir+json').send(metadata));
  scope.get('/.well-known/smart-configuration', (_request, reply) => reply.type('application/json').send(smart));
}
