/**
 * docs/protocol.md §6.6: from a Task to the module that performs it, following
 * Task → ActivityDefinition → Endpoint. Framework-free: the caller supplies a
 * {@link LaunchChainReader} over the DVA's FHIR server (the PGO with its collect token, the DVA
 * with its own system token). Every missing link is a {@link LaunchChainError}.
 */
import { LaunchChainError } from './errors.ts';
import { arrayOf, extensionsOf, isAbsoluteUri, localReference, type FhirResource } from './reference.ts';

/** Task → ActivityDefinition (Koppeltaal, `valueReference`; docs/protocol.md §6.1). */
export const EXT_INSTANTIATES = 'http://vzvz.nl/fhir/StructureDefinition/instantiates';
/** ActivityDefinition → Endpoint (Koppeltaal, `valueReference`, 1..*; docs/protocol.md §6.1). */
export const EXT_KT2_ENDPOINT = 'http://koppeltaal.nl/fhir/StructureDefinition/KT2EndpointExtension';
/** Endpoint → the module's client_id at the DVA (`valueString`; docs/protocol.md §6.2). */
export const EXT_CLIENT_ID = 'http://medmij.nl/fhir/StructureDefinition/ext-ClientID';

/** Read access to the DVA's FHIR server, the only server the chain is followed on. */
export interface LaunchChainReader {
  /** The FHIR base without a trailing slash; absolute references under it are literal (FHIR R4 §2.3.0). */
  readonly base: string;
  /** `GET [base]/[type]/[id]`; undefined when the server does not know it. */
  read(type: string, id: string): Promise<FhirResource | undefined>;
  /** `GET [base]/[type]?params`: the matching resources of `type`, in the server's order. */
  search(type: string, params: Record<string, string>): Promise<FhirResource[]>;
}

/** Where the Task's ActivityDefinition link came from (docs/protocol.md §6.2 [CONFLICT]: extension first). */
export interface ActivityDefinitionLink {
  source: 'extension' | 'instantiatesCanonical';
  reference: string;
}

/** The resolved module of a Task. */
export interface ModuleTarget {
  activityDefinition: FhirResource;
  endpoint: FhirResource;
  /** `Endpoint.address`: the module's SMART launch URL (docs/protocol.md §6.2). */
  launchUrl: string;
  /** `ext-ClientID`: the module's client_id at the DVA, the token exchange `audience` (docs/protocol.md §6.2). */
  clientId: string;
}

export interface LaunchTarget extends ModuleTarget {
  task: FhirResource;
}

/**
 * docs/protocol.md §3.1.1 W0: reads `Task/{taskId}` and resolves its module.
 *
 * @throws LaunchChainError `task_not_found`, or any error of {@link resolveModule}
 */
export async function resolveLaunchTarget(reader: LaunchChainReader, taskId: string): Promise<LaunchTarget> {
  const task = await reader.read('Task', taskId);
  if (!task) throw new LaunchChainError('task_not_found', `The DVA does not know Task ${taskId}.`);
  return { task, ...(await resolveModule(reader, task)) };
}

/**
 * docs/protocol.md §6.6 from a Task already read: its ActivityDefinition, then that one's first active
 * Endpoint, its launch address and its ext-ClientID.
 *
 * @throws LaunchChainError naming the first missing or unusable link (docs/protocol.md §8 item 25)
 */
export async function resolveModule(reader: LaunchChainReader, task: FhirResource): Promise<ModuleTarget> {
  const link = activityDefinitionLink(task);
  if (!link) {
    throw new LaunchChainError(
      'task_without_activity_definition',
      `Task ${task.id} has no link to an ActivityDefinition (no instantiates extension and no instantiatesCanonical).`,
    );
  }
  const activityDefinition = await readActivityDefinition(reader, link);
  const endpoint = await firstActiveEndpoint(reader, activityDefinition);
  return { activityDefinition, endpoint, launchUrl: launchAddress(endpoint), clientId: endpointClientId(endpoint) };
}

/**
 * docs/protocol.md §6.6: the `instantiates` extension's `valueReference.reference`, else
 * `Task.instantiatesCanonical` (R4: 0..1, a single canonical; the walkthrough form).
 */
export function activityDefinitionLink(task: FhirResource): ActivityDefinitionLink | undefined {
  const fromExtension = extensionsOf(task, EXT_INSTANTIATES)
    .map((e) => (e.valueReference as { reference?: unknown } | undefined)?.reference)
    .find((r): r is string => typeof r === 'string' && r !== '');
  if (fromExtension !== undefined) return { source: 'extension', reference: fromExtension };
  const canonical = task.instantiatesCanonical;
  if (typeof canonical === 'string' && canonical !== '') return { source: 'instantiatesCanonical', reference: canonical };
  return undefined;
}

/**
 * docs/protocol.md §6.6: a relative reference (and, for the extension's `Reference`, an absolute one under
 * the FHIR base) is read; any other absolute value is a canonical URL, searched with
 * `ActivityDefinition?url=` (a `|version` suffix becomes the `version` parameter).
 */
async function readActivityDefinition(reader: LaunchChainReader, link: ActivityDefinitionLink): Promise<FhirResource> {
  const literal = link.source === 'extension' || !isAbsoluteUri(link.reference) ? localReference(link.reference, reader.base) : undefined;
  if (literal) {
    if (literal.type !== 'ActivityDefinition') {
      throw new LaunchChainError('activity_definition_not_found', `The Task links to ${link.reference}, which is not an ActivityDefinition.`);
    }
    const ad = await reader.read('ActivityDefinition', literal.id);
    if (!ad) throw new LaunchChainError('activity_definition_not_found', `The DVA does not know ${link.reference}.`);
    return ad;
  }
  if (!isAbsoluteUri(link.reference)) {
    throw new LaunchChainError('activity_definition_not_found', `The Task's ActivityDefinition reference "${link.reference}" is malformed.`);
  }
  const [url, version] = link.reference.split('|', 2) as [string, string | undefined];
  // The walkthrough treats the search Bundle itself as the AD (docs/protocol.md §6.2); take the first match instead.
  const [ad] = await reader.search('ActivityDefinition', { url, ...(version !== undefined && { version }) });
  if (!ad) throw new LaunchChainError('activity_definition_not_found', `The DVA has no ActivityDefinition with the canonical URL ${link.reference}.`);
  return ad;
}

/**
 * docs/protocol.md §6.6: the KT2EndpointExtension references, else `ActivityDefinition.endpoint` (the
 * walkthrough form, not R4); the first whose `status` is `active` ([impl] "take the first active one").
 */
async function firstActiveEndpoint(reader: LaunchChainReader, ad: FhirResource): Promise<FhirResource> {
  const fromExtension = extensionsOf(ad, EXT_KT2_ENDPOINT).map((e) => (e.valueReference as { reference?: unknown } | undefined)?.reference);
  const fromElement = arrayOf(ad.endpoint).map((e) => (e as { reference?: unknown } | null)?.reference);
  const references = (fromExtension.length > 0 ? fromExtension : fromElement).filter((r): r is string => typeof r === 'string' && r !== '');
  if (references.length === 0) {
    throw new LaunchChainError('activity_definition_without_endpoint', `ActivityDefinition ${ad.id} names no Endpoint for its module.`);
  }
  for (const reference of references) {
    const literal = localReference(reference, reader.base);
    if (literal?.type !== 'Endpoint') {
      throw new LaunchChainError('endpoint_not_found', `ActivityDefinition ${ad.id} refers to "${reference}", which is not an Endpoint at this DVA.`);
    }
    const endpoint = await reader.read('Endpoint', literal.id);
    if (!endpoint) throw new LaunchChainError('endpoint_not_found', `The DVA does not know ${reference}.`);
    if (endpoint.status === 'active') return endpoint;
  }
  throw new LaunchChainError('endpoint_inactive', `No Endpoint of ActivityDefinition ${ad.id} is active.`);
}

/**
 * `Endpoint.address`, which the launch code will travel to (docs/protocol.md §3.1.1 W9): https, or http
 * only to a loopback name (RFC 6761 §6.3, RFC 8252 §8.3), so the code never crosses a network in clear.
 */
function launchAddress(endpoint: FhirResource): string {
  const address = endpoint.address;
  if (typeof address !== 'string' || address === '') {
    throw new LaunchChainError('endpoint_without_address', `Endpoint ${endpoint.id} has no address to launch the module at.`);
  }
  const url = URL.parse(address);
  const loopback = url !== null && isLoopback(url.hostname);
  if (!url || !(url.protocol === 'https:' || (url.protocol === 'http:' && loopback)) || url.username || url.password || url.hash) {
    throw new LaunchChainError('endpoint_address_not_allowed', `The address of Endpoint ${endpoint.id} is not an https URL a module can be launched at.`);
  }
  return address;
}

/** docs/protocol.md §6.2: the Endpoint's ext-ClientID names the module's client at the DVA. */
function endpointClientId(endpoint: FhirResource): string {
  const clientId = extensionsOf(endpoint, EXT_CLIENT_ID)
    .map((e) => e.valueString)
    .find((v): v is string => typeof v === 'string' && v !== '');
  if (clientId === undefined) {
    throw new LaunchChainError('endpoint_without_client_id', `Endpoint ${endpoint.id} has no ext-ClientID, so the module's client is unknown.`);
  }
  return clientId;
}

// RFC 6761 §6.3: `localhost` and every name under it are loopback (the demo's `module.localhost`).
function isLoopback(hostname: string): boolean {
  const name = hostname.replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost') || name === '127.0.0.1' || name === '[::1]';
}
