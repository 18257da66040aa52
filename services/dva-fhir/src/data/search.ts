/**
 * The search parameters this server supports (FHIR R4 §3.1.1 "Search"), per resource type.
 * An unknown parameter is an error, never silently ignored (§3.1.1.4 "handling=strict"):
 * ignoring `owner=` would return every Task the token may see instead of the few asked for.
 */
import { FhirError } from '@koppelmij/core/errors';
import { isObject, localReference, references, splitReference, type FhirResource, type ResourceType } from './resource.ts';
import { isFhirId } from '@koppelmij/core/fhir';

interface TokenValue {
  system?: string;
  code: string;
}

type SearchParameter =
  | { type: 'token'; values: (r: FhirResource) => TokenValue[] }
  | { type: 'reference'; target?: string; values: (r: FhirResource, base: string) => string[] }
  | { type: 'uri'; values: (r: FhirResource) => string[] };

const code = (element: string): SearchParameter => ({
  type: 'token',
  values: (r) => (typeof r[element] === 'string' ? [{ code: r[element] }] : []),
});

const identifier: SearchParameter = {
  type: 'token',
  values: (r) =>
    (Array.isArray(r.identifier) ? r.identifier : [])
      .filter(isObject)
      .filter((i): i is { system?: string; value: string } => typeof i.value === 'string')
      .map((i) => ({ ...(typeof i.system === 'string' && { system: i.system }), code: i.value })),
};

const reference = (element: string, target?: string): SearchParameter => ({
  type: 'reference',
  ...(target !== undefined && { target }),
  values: (r, base) => references(r[element], base).filter((ref) => target === undefined || ref.startsWith(`${target}/`)),
});

const url: SearchParameter = { type: 'uri', values: (r) => (typeof r.url === 'string' ? [r.url] : []) };

const subjectSearch = { subject: reference('subject'), patient: reference('subject', 'Patient'), status: code('status') };

const ID: SearchParameter = { type: 'token', values: (r) => [{ code: r.id }] };

/** Per type, the parameters besides `_id`. */
const PARAMETERS: Readonly<Record<ResourceType, Readonly<Record<string, SearchParameter>>>> = {
  Patient: { identifier },
  Practitioner: { identifier },
  PractitionerRole: { practitioner: reference('practitioner'), organization: reference('organization') },
  Organization: { identifier },
  // R4 Task search parameters: `patient` and `subject` are both on Task.for
  Task: {
    owner: reference('owner'),
    patient: reference('for', 'Patient'),
    subject: reference('for'),
    status: code('status'),
    'based-on': reference('basedOn'),
    'part-of': reference('partOf'),
    focus: reference('focus'),
    identifier,
  },
  ServiceRequest: { ...subjectSearch, identifier },
  Observation: { ...subjectSearch },
  QuestionnaireResponse: { ...subjectSearch, questionnaire: { type: 'uri', values: (r) => (typeof r.questionnaire === 'string' ? [r.questionnaire] : []) } },
  ActivityDefinition: { url, status: code('status') },
  Questionnaire: { url, status: code('status') },
  Endpoint: { status: code('status') },
  // R4 AuditEvent search: `patient` is entity.what of type Patient, `entity` any entity.what
  AuditEvent: { patient: { type: 'reference', target: 'Patient', values: (r, base) => entityWhat(r, base).filter((ref) => ref.startsWith('Patient/')) }, entity: { type: 'reference', values: entityWhat } },
};

function entityWhat(resource: FhirResource, base: string): string[] {
  const entities = Array.isArray(resource.entity) ? resource.entity.filter(isObject) : [];
  return references(entities.map((e) => e.what), base);
}

/** The search parameters of `type` and their FHIR search types, for the CapabilityStatement. */
export function searchParameters(type: ResourceType): Array<{ name: string; type: SearchParameter['type'] }> {
  return Object.entries({ _id: ID, ...PARAMETERS[type] }).map(([name, p]) => ({ name, type: p.type }));
}

/** A parsed search: every filter must match (repeats AND), any of a filter's values may (comma OR). */
export interface SearchQuery {
  filters: Array<{ parameter: SearchParameter; values: string[] }>;
}

/**
 * Parses a search query string for `type`.
 *
 * @throws FhirError 400 `not-supported` for an unknown parameter or modifier, `invalid` for an
 *   empty value or a bad `_count`.
 */
export function parseSearch(type: ResourceType, params: URLSearchParams): SearchQuery {
  const query: SearchQuery = { filters: [] };
  for (const [name, value] of params) {
    if (value === '') throw new FhirError(400, 'invalid', `search parameter ${name} has no value`);
    if (name === '_count') {
      // FHIR R4 §3.1.1.5.7: a page-size hint. The embedded data is small and is not paged, so every match is returned.
      if (!/^[1-9][0-9]{0,3}$/.test(value)) throw new FhirError(400, 'invalid', '_count must be a positive integer');
      continue;
    }
    const parameter = name === '_id' ? ID : Object.hasOwn(PARAMETERS[type], name) ? PARAMETERS[type][name] : undefined;
    if (!parameter) throw new FhirError(400, 'not-supported', `unknown search parameter ${name}`);
    query.filters.push({ parameter, values: value.split(',') });
  }
  return query;
}

/** True when `resource` matches every filter of `query`. */
export function matches(resource: FhirResource, query: SearchQuery, fhirBase: string): boolean {
  return query.filters.every(({ parameter, values }) => values.some((value) => matchesValue(resource, parameter, value, fhirBase)));
}

function matchesValue(resource: FhirResource, parameter: SearchParameter, value: string, fhirBase: string): boolean {
  switch (parameter.type) {
    case 'token': {
      // FHIR R4 §3.1.1.4.6 token: `code`, `system|code`, `|code` (no system), `system|` (any code)
      const bar = value.indexOf('|');
      const system = bar === -1 ? undefined : value.slice(0, bar);
      const wanted = bar === -1 ? value : value.slice(bar + 1);
      return parameter.values(resource).some(
        (v) => (wanted === '' || v.code === wanted) && (system === undefined || (system === '' ? v.system === undefined : v.system === system)),
      );
    }
    case 'reference': {
      // FHIR R4 §3.1.1.4.12 reference: `Type/id`, an absolute URL on this server, or a bare id
      const actual = parameter.values(resource, fhirBase);
      if (isFhirId(value)) return actual.some((ref) => splitReference(ref)?.id === value);
      const wanted = localReference(value, fhirBase);
      return wanted !== undefined && actual.includes(wanted);
    }
    case 'uri':
      return parameter.values(resource).includes(value);
  }
}
