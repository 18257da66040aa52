/**
 * The collect phase (verzamelen, spec §2.3): an authorization code flow with PKCE at the DVA,
 * then `GET Task?owner=Patient/{id}` with the collect token, grouped by ServiceRequest.
 * The token is kept server-side with the dossier (spec §8 item 26).
 */
import type { FastifyInstance } from 'fastify';
import { LaunchChainError, activityDefinitionLink, resolveModule, type ModuleTarget } from './chain.ts';
import type { PgoContext } from './context.ts';
import type { DossierData, TaskSummary } from './dossier-store.ts';
import { BadRequest, errorCode, Refused } from './errors.ts';
import { arrayOf, FhirClient, localReference, type FhirResource } from './fhir.ts';
import { checkResponseIssuer, isFhirId, pathParam, queryParam, requireDossier } from './params.ts';
import { createPkce } from './pkce.ts';
import { askConfirmation, confirmsFirst, receiveCollect } from './safeguards.ts';
import { checkCsrf } from './session.ts';

/** The collect's `redirect_uri` (spec §2.3 step 4). */
export const collectRedirectUri = (config: { pgoUrl: string }): string => `${config.pgoUrl}/callback`;

/** `POST /dossier/:bsn/collect` (spec §2.3 step 2) and `GET /callback` (steps 4–7). */
export function registerCollect(app: FastifyInstance, ctx: PgoContext): void {
  const { config, sessions, dva } = ctx;
  const redirectUri = collectRedirectUri(config);

  app.post('/dossier/:bsn/collect', async (request, reply) => {
    const { session, dossier } = requireDossier(await sessions.load(request), pathParam(request, 'bsn'));
    checkCsrf(session, request.body);
    const pkce = createPkce();
    const state = await sessions.beginFlow(session, { kind: 'collect', bsn: dossier.bsn, codeVerifier: pkce.codeVerifier });
    const url = new URL(dva.authorizationEndpoint);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: config.clientId,
      redirect_uri: redirectUri,
      scope: ctx.registrations.pgo.scope,
      state,
      code_challenge: pkce.codeChallenge,
      code_challenge_method: 'S256',
      // OIDC Core §3.1.2.1: never the DVA's session, which may be another person's (identity-check.md).
      // For a represented person the representative chooses at DigiD every time; `consent` keeps the
      // long-term consent's offline_access (notes §2)
      prompt: dossier.relation === 'represented' ? 'login consent' : 'login',
    }).toString();
    return reply.redirect(url.href, 302);
  });

  app.get('/callback', async (request, reply) => {
    const state = queryParam(request, 'state');
    if (state === undefined) throw new BadRequest('The answer from the care provider has no state.');
    const session = await sessions.load(request);
    const flow = await sessions.takeFlow(session, state);
    // spec §8 item 24; RFC 6749 §10.12
    if (flow?.kind !== 'collect') throw new BadRequest('This answer does not belong to a collect started in this browser.');
    const { session: live, dossier } = requireDossier(session, flow.bsn);
    checkResponseIssuer(request, config.dvaAuthUrl);
    const error = queryParam(request, 'error');
    if (error !== undefined) throw new Refused(`Uw zorgaanbieder gaf geen toegang (${errorCode(error) ?? 'error'}); er is niets opgehaald. Weigerde u de toestemming, dan kunt u het later opnieuw proberen.`);
    const code = queryParam(request, 'code');
    if (code === undefined) throw new BadRequest('The answer from the care provider has no code.');

    // safeguard 4.3.1 (identity-check.md): ask before the code is redeemed
    if (confirmsFirst(config.identity, dossier)) return askConfirmation(ctx, reply, live, dossier, { code, codeVerifier: flow.codeVerifier });
    const tokens = await dva.authorizationCodeGrant({ code, redirectUri, codeVerifier: flow.codeVerifier });
    return receiveCollect(ctx, reply, live, dossier, tokens);
  });
}

/**
 * Spec §2.3 step 7 and §6.5: reads the Tasks, their grouping ServiceRequests and modules, and
 * summarises them, storing nothing. With the DVA's availability answer saying there are no Tasks
 * (identity-check.md), it does not search.
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
      // spec §3.1.1 W0: "The PGO may cache per instantiates target".
      const key = link && `${link.source} ${link.reference}`;
      if (key !== undefined && !modules.has(key)) modules.set(key, resolveModule(fhir, task).catch((e: unknown) => e as Error));
      const sr = srRef === undefined ? undefined : await requests.get(srRef);
      // Without a link resolveModule throws the precise §8 item 25 error without a request.
      const module = await (key === undefined ? resolveModule(fhir, task).catch((e: unknown) => e as Error) : modules.get(key)!);
      return { ...describe(task, sr), ...launchInfo(ctx, module) };
    }),
  );
  return { patient, collectedAt: Math.floor(Date.now() / 1000), tasks: summaries };
}

/** `Task.basedOn` → the grouping ServiceRequest, as `ServiceRequest/<id>` (spec §6.2). */
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
  // spec §6.2: the group label is ServiceRequest.code.text; before gegevensdienst v0.0.5, groupIdentifier.type.text.
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
  // spec §5 level TL: the Endpoint names a link of the PGO's catalogue, not a module registered at the DVA
  const link = ctx.registrations.catalogue.get(module.clientId);
  if (!registered && link?.integrationLevel === 'TL') return { level: 'TL', link: { id: link.id, name: link.name } };
  if (!registered) return { launchProblem: `The module "${module.clientId}" is not registered at this PGO.` };
  return { module: { clientId: registered.clientId, name: registered.name, launchOption: registered.launchOption }, level: registered.integrationLevel };
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}
