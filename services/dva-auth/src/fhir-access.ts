import { SignJWT } from 'jose';
import { InvalidTarget, randomToken, type FhirResourceTarget } from '@koppelmij/core';
import { LaunchChainError, resolveModule, type FhirResource, type LaunchChainReader } from '@koppelmij/core/launch-chain';
import type { DvaAuth } from './context.ts';

interface Resource extends FhirResource {
  for?: { reference?: string };
  owner?: { reference?: string };
  subject?: { reference?: string };
}

// One fixed answer for "not found", "not yours" and "not for this module" (docs/security-checklists.md §2 (8)).
const NOT_ACCESSIBLE = 'resource is not accessible';

/**
 * The DVA authorization server reads its own FHIR data to validate a token exchange's `resource`
 * values (docs/protocol.md §4.2). It asks dva-fhir with a short-lived system token it signs itself; dva-fhir
 * accepts `system/` scopes only from clients it lists as its own (SYSTEM_CLIENTS).
 */
export class FhirAccess {
  readonly #dva: () => DvaAuth;
  #token?: { value: string; exp: number };

  constructor(dva: () => DvaAuth) {
    this.#dva = dva;
  }

  /**
   * docs/protocol.md §8 item 8: every resource must belong to the subject's patient; a Task must be the
   * patient's own (`for` and `owner`) and, when `moduleClientId` is given, point through its
   * ActivityDefinition and Endpoint at that module (§4.2 [impl]).
   */
  async assertLaunchable(patientId: string, targets: FhirResourceTarget[], moduleClientId: string | undefined): Promise<void> {
    const patientRef = `Patient/${patientId}`;
    for (const target of targets) {
      const resource = await this.read(target.reference);
      if (target.resourceType === 'Task') {
        if (resource.for?.reference !== patientRef || resource.owner?.reference !== patientRef) throw new InvalidTarget(NOT_ACCESSIBLE);
        if (moduleClientId !== undefined && (await this.moduleClientIdOf(resource)) !== moduleClientId) throw new InvalidTarget(NOT_ACCESSIBLE);
      } else if (resource.subject?.reference !== patientRef) {
        throw new InvalidTarget(NOT_ACCESSIBLE);
      }
    }
  }

  /**
   * The ext-ClientID of the Endpoint a Task launches (docs/protocol.md §6.6, the rule of
   * `@koppelmij/core/launch-chain`), or undefined when a link of the chain is missing.
   */
  async moduleClientIdOf(task: Resource): Promise<string | undefined> {
    try {
      return (await resolveModule(this.#chainReader(), task)).clientId;
    } catch (error) {
      if (error instanceof LaunchChainError) return undefined;
      throw error;
    }
  }

  async read(reference: string): Promise<Resource> {
    const response = await this.#get(reference);
    if (!response.ok) throw new InvalidTarget(NOT_ACCESSIBLE);
    return (await response.json()) as Resource;
  }

  /** The DVA's own FHIR data, read with the system token, for the launch chain. */
  #chainReader(): LaunchChainReader {
    return {
      base: this.#dva().config.DVA_FHIR_URL,
      read: async (type, id) => {
        const response = await this.#get(`${type}/${encodeURIComponent(id)}`);
        if (response.status === 404 || response.status === 410) return undefined;
        if (!response.ok) throw new InvalidTarget(NOT_ACCESSIBLE);
        return (await response.json()) as FhirResource;
      },
      search: async (type, params) => {
        const response = await this.#get(`${type}?${new URLSearchParams(params)}`);
        if (!response.ok) return [];
        const bundle = (await response.json()) as { entry?: Array<{ resource?: FhirResource }> };
        return (bundle.entry ?? []).map((e) => e.resource).filter((r): r is FhirResource => r?.resourceType === type);
      },
    };
  }

  async #get(path: string): Promise<Response> {
    const { config, fetch } = this.#dva();
    return fetch(`${config.DVA_FHIR_URL}/${path}`, { headers: { authorization: `Bearer ${await this.#systemToken()}`, accept: 'application/fhir+json' } });
  }

  async #systemToken(): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    if (this.#token && this.#token.exp - 10 > now) return this.#token.value;
    const { config, signingKey } = this.#dva();
    const value = await new SignJWT({
      client_id: 'dva-auth',
      scope: 'system/Task.read system/ActivityDefinition.read system/Endpoint.read system/Observation.read system/QuestionnaireResponse.read',
    })
      .setProtectedHeader({ alg: signingKey.alg, kid: signingKey.kid, typ: 'at+jwt' })
      .setIssuer(config.DVA_AUTH_URL)
      .setSubject('dva-auth')
      .setAudience(config.DVA_FHIR_URL)
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .setJti(randomToken(16))
      .sign(signingKey.privateKey);
    this.#token = { value, exp: now + 60 };
    return value;
  }
}
