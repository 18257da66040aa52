/**
 * docs/protocol.md §2.3 step 7 and §6.5: the Tasks of a collect, their grouping ServiceRequests and modules,
 * summarised for the dossier (storing nothing here).
 */
import { isFhirId } from '@koppelmij/core/fhir';
import { LaunchChainError, activityDefinitionLink, resolveModule, type ModuleTarget } from './chain.ts';
import type { PgoContext } from './context.ts';
import type { DossierData, TaskSummary } from './dossier-store.ts';
import { arrayOf, FhirClient, localReference, type FhirResource } from './fhir.ts';

/**
 * docs/protocol.md §2.3 step 7 and §6.5: reads the Tasks, their grouping ServiceRequests and modules, and
 * summarises them, storing nothing. With the DVA's availability answer saying there are no Tasks
 * (docs/identity-check-reference.md), it does not search.
 */
export async function readTasks(ctx: PgoContext, accessToken: string, patient: string, availability?: Record<string, boolean>): Promise<DossierData> {
  const fhir = new FhirClient({ base: ctx.config.dvaFhirUrl, accessToken, fetch: ctx.fetch });
  const found = availability?.Task === false ? [] : await fhir.search('Task', { owner: `Patient/${patient}` });
  const tasks = found.filter((t) => typeof t.id === 'string' && isFhirId(t.id));

  const requests = new Map<string, Promise<FhirResource | undefined>>();
  const modules = new Map<string, Promise<ModuleTarget | Error>>();
  const summaries = await Promise.all(
    tasks.map(async (task): Promise<TaskSummary> => {
      const srRef = groupingRequest(task, fhir.base);
      if (srRef !== undefined && !requests.has(srRef)) {
        // A ServiceRequest that cannot be read only costs the label.
        requests.set(srRef, fhir.read('ServiceRequest', srRef.slice('ServiceRequest/'.length)).catch(() => undefined));
      }
      const link = activityDefinitionLink(task);
      // docs/protocol.md §3.1.1 W0: "The PGO may cache per instantiates target".
      const key = link && `${link.source} ${link.reference}`;
      if (key !== undefined && !modules.has(key)) modules.set(key, resolveModule(fhir, task).catch((e: unknown) => e as Error));
      const sr = srRef === undefined ? undefined : await requests.get(srRef);
      // Without a link resolveModule throws the precise docs/protocol.md §8 item 25 error without a request.
      const module = await (key === undefined ? resolveModule(fhir, task).catch((e: unknown) => e as Error) : modules.get(key)!);
      return { ...describe(task, sr), ...launchInfo(ctx, module) };
    }),
  );
  return { patient, collectedAt: Math.floor(Date.now() / 1000), tasks: summaries };
}

/** `Task.basedOn` → the grouping ServiceRequest, as `ServiceRequest/<id>` (docs/protocol.md §6.2). */
function groupingRequest(task: FhirResource, base: string): string | undefined {
  for (const basedOn of arrayOf(task.basedOn)) {
    const ref = (basedOn as { reference?: unknown } | null)?.reference;
    const local = typeof ref === 'string' ? localReference(ref, base) : undefined;
    if (local?.type === 'ServiceRequest') return `ServiceRequest/${local.id}`;
  }
  return undefined;
}

function describe(task: FhirResource, sr: FhirResource | undefined): Omit<TaskSummary, 'module' | 'launchProblem'> {
  const groupIdentifier = task.groupIdentifier as { system?: unknown; value?: unknown; type?: { text?: unknown } } | undefined;
  const fallbackLabel = text(groupIdentifier?.type?.text);
  // docs/protocol.md §6.2: the group label is ServiceRequest.code.text; before gegevensdienst v0.0.5, groupIdentifier.type.text.
  const groupLabel = text((sr?.code as { text?: unknown } | undefined)?.text) ?? fallbackLabel ?? 'Other tasks';
  const groupKey =
    sr !== undefined
      ? `ServiceRequest/${sr.id}`
      : groupIdentifier?.value !== undefined
        ? `group:${String(groupIdentifier.system ?? '')}|${String(groupIdentifier.value)}`
        : 'other';
  return {
    id: task.id!,
    status: text(task.status) ?? 'unknown',
    description: text(task.description) ?? text((task.code as { text?: unknown } | undefined)?.text) ?? `Task ${task.id}`,
    groupKey,
    groupLabel,
  };
}

function launchInfo(ctx: PgoContext, module: ModuleTarget | Error): Pick<TaskSummary, 'module' | 'launchProblem' | 'level' | 'link'> {
  if (module instanceof LaunchChainError) return { launchProblem: module.message };
  if (module instanceof Error) return { launchProblem: 'The module of this task could not be looked up at the care provider.' };
  // The launch option comes from the module's registration (docs/architecture.md), found by ext-ClientID.
  const registered = ctx.registrations.modules.get(module.clientId);
  // docs/protocol.md §5 level TL: the Endpoint names a link of the PGO's catalogue, not a module registered at the DVA
  const link = ctx.registrations.catalogue.get(module.clientId);
  if (!registered && link?.integrationLevel === 'TL') return { level: 'TL', link: { id: link.id, name: link.name } };
  if (!registered) return { launchProblem: `The module "${module.clientId}" is not registered at this PGO.` };
  return { module: { clientId: registered.clientId, name: registered.name, launchOption: registered.launchOption }, level: registered.integrationLevel };
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}
