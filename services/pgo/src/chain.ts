/**
 * docs/protocol.md §3.1.1 W0 and §6.6: from a Task to the module that performs it, following
 * Task → ActivityDefinition → Endpoint with the collect token. The rule lives in
 * `@koppelmij/core/launch-chain`; here every broken link becomes a page for the person
 * (docs/protocol.md §8 item 25).
 */
import * as chain from '@koppelmij/core/launch-chain';
import type { LaunchChainErrorCode, LaunchTarget, ModuleTarget } from '@koppelmij/core/launch-chain';
import { PageError } from './errors.ts';
import type { FhirClient, FhirResource } from './fhir.ts';

export { activityDefinitionLink, EXT_CLIENT_ID, EXT_INSTANTIATES, EXT_KT2_ENDPOINT } from '@koppelmij/core/launch-chain';
export type { ActivityDefinitionLink, LaunchChainErrorCode, LaunchTarget, ModuleTarget } from '@koppelmij/core/launch-chain';

/** A broken link in the launch chain (docs/protocol.md §8 item 25). A Task the DVA does not know is a 404. */
export class LaunchChainError extends PageError {
  readonly code: LaunchChainErrorCode;
  constructor(code: LaunchChainErrorCode, message: string) {
    // in plain Dutch for the person, the precise broken link (core's words) beside it for support
    super(code === 'task_not_found' ? 404 : 422, 'Deze module kan niet worden gestart', `${BROKEN_LINK[code]} (technisch: ${message})`);
    this.code = code;
  }
}

const BROKEN_LINK: Record<LaunchChainErrorCode, string> = {
  task_not_found: 'Uw zorgaanbieder kent deze taak niet (meer).',
  task_without_activity_definition: 'Bij deze taak hoort geen module.',
  activity_definition_not_found: 'De beschrijving van de module is niet te vinden bij uw zorgaanbieder.',
  activity_definition_without_endpoint: 'Voor deze module is geen adres ingesteld.',
  endpoint_not_found: 'Het adres van de module is niet te vinden bij uw zorgaanbieder.',
  endpoint_inactive: 'Deze module is buiten gebruik.',
  endpoint_without_address: 'Het adres van de module ontbreekt.',
  endpoint_address_not_allowed: 'Het adres van de module is niet toegestaan.',
  endpoint_without_client_id: 'De module is niet goed geregistreerd bij uw zorgaanbieder.',
};

/** W0: reads `Task/{taskId}` with the collect token and resolves its module (docs/protocol.md §6.6). */
export async function resolveLaunchTarget(fhir: FhirClient, taskId: string): Promise<LaunchTarget> {
  return asPage(chain.resolveLaunchTarget(fhir, taskId));
}

/** docs/protocol.md §6.6 from a Task already read: ActivityDefinition, then its first active Endpoint. */
export async function resolveModule(fhir: FhirClient, task: FhirResource): Promise<ModuleTarget> {
  return asPage(chain.resolveModule(fhir, task));
}

async function asPage<T>(resolution: Promise<T>): Promise<T> {
  try {
    return await resolution;
  } catch (error) {
    if (error instanceof chain.LaunchChainError) throw new LaunchChainError(error.code, error.message);
    throw error;
  }
}
