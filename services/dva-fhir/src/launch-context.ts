/**
 * The launch context of a module token (docs/protocol.md §4.1): the resources named in its `fhirContext`
 * claim (the Task and the other `resource=` values of the token exchange, docs/protocol.md §4.2) and,
 * behind the LAUNCH_CONTEXT_REFERENCES switch, the resources the launch Tasks reference directly.
 */
import type { FhirData } from './data/fhir-data.ts';
import { isObject, localReference, references, type FhirResource } from './data/resource.ts';

/** Task → ActivityDefinition, the launch link (docs/protocol.md §6.1, §6.2). */
export const INSTANTIATES_EXTENSION = 'http://vzvz.nl/fhir/StructureDefinition/instantiates';

/**
 * The local references of a `fhirContext` claim (SMART App Launch 2.1 "fhirContext"), e.g.
 * `Task/<id>`. Entries that are not a reference to this server are ignored, so a malformed claim
 * yields an empty launch context rather than a wider one.
 */
export function launchResources(fhirContext: unknown, fhirBase: string): Set<string> {
  const resources = new Set<string>();
  if (!Array.isArray(fhirContext)) return resources;
  for (const item of fhirContext) {
    const reference = isObject(item) ? localReference(item.reference, fhirBase) : undefined;
    if (reference) resources.add(reference);
  }
  return resources;
}

/**
 * The ActivityDefinition a Task instantiates, as `ActivityDefinition/<id>` (docs/protocol.md §6.6): the
 * `instantiates` extension first, then `Task.instantiatesCanonical`, which is either a relative
 * reference or an absolute canonical matched against `ActivityDefinition.url`.
 */
export async function instantiatedActivityDefinition(task: FhirResource, data: FhirData, fhirBase: string): Promise<string | undefined> {
  const extension = Array.isArray(task.extension)
    ? task.extension.find((e: unknown) => isObject(e) && e.url === INSTANTIATES_EXTENSION)
    : undefined;
  const fromExtension = isObject(extension) ? localReference(extension.valueReference, fhirBase) : undefined;
  if (fromExtension?.startsWith('ActivityDefinition/')) return fromExtension;

  const canonical = task.instantiatesCanonical;
  if (typeof canonical !== 'string') return undefined;
  const relative = localReference(canonical, fhirBase);
  if (relative?.startsWith('ActivityDefinition/')) return relative;
  const byUrl = (await data.list('ActivityDefinition')).find((ad) => ad.url === canonical);
  return byUrl && `ActivityDefinition/${byUrl.id}`;
}

/**
 * Everything a module token may read: its launch resources and, when `withReferences`, what the
 * launch Tasks reference directly (docs/protocol.md §4.1 [impl]): `for` and `owner` (the Patient), `basedOn`
 * and `focus` (ServiceRequests), the instantiated ActivityDefinition, and `input` references
 * (e.g. the Questionnaire of a questionnaire task).
 */
export async function launchReadable(launch: ReadonlySet<string>, data: FhirData, fhirBase: string, withReferences: boolean): Promise<Set<string>> {
  const readable = new Set(launch);
  if (!withReferences) return readable;
  for (const reference of launch) {
    if (!reference.startsWith('Task/')) continue;
    const task = await data.read('Task', reference.slice('Task/'.length));
    if (!task) continue;
    const inputs = Array.isArray(task.input) ? task.input.filter(isObject).map((i) => i.valueReference) : [];
    const linked = [
      ...references(task.for, fhirBase),
      ...references(task.owner, fhirBase).filter((r) => r.startsWith('Patient/')),
      ...references(task.basedOn, fhirBase),
      ...references(task.focus, fhirBase),
      ...references(inputs, fhirBase),
    ];
    const ad = await instantiatedActivityDefinition(task, data, fhirBase);
    if (ad) linked.push(ad);
    for (const r of linked) readable.add(r);
  }
  return readable;
}
