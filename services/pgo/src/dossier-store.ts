/**
 * The PGO's own dossier store, keyed by BSN: what the last collect found (docs/protocol.md §2.3 step 7)
 * and the DVA tokens of that dossier. Tokens live only here, server-side; pages get the
 * task summaries and never a token (docs/protocol.md §8 item 26).
 */
import { systemClock, tupleKey, type Clock, type KeyValueStore } from '@koppelmij/core';
import type { DvaClient, DvaTokens } from './dva-client.ts';
import { Conflict, UpstreamError } from './errors.ts';
import type { IntegrationLevel, LaunchOption } from './registrations.ts';

export interface TaskSummary {
  id: string;
  status: string;
  description: string;
  /** The grouping ServiceRequest reference, or another stable key for the group (docs/protocol.md §2.3 step 7). */
  groupKey: string;
  /** `ServiceRequest.code.text`, else `Task.groupIdentifier.type.text` (docs/protocol.md §6.2, §7.4 `pgo.groupLabel`). */
  groupLabel: string;
  /** The Task's module as resolved at collect time (docs/protocol.md §6.6); W0 resolves it again at start. */
  module?: { clientId: string; name: string; launchOption: LaunchOption | undefined };
  /** The integration level of the Task's module (docs/protocol.md §5): its registration's, or the PGO catalogue's (TL). */
  level?: IntegrationLevel;
  /** Level TL: the catalogue entry the Task's Endpoint names; opened as a link (docs/integration-levels.md). */
  link?: { id: string; name: string };
  /** Why the Task's module cannot be started, when resolution failed (docs/protocol.md §8 item 25). */
  launchProblem?: string;
}

export interface DossierData {
  /** The FHIR id of the person at the DVA, from the collect token response. */
  patient: string;
  collectedAt: number;
  tasks: TaskSummary[];
}

interface StoredTokens {
  accessToken: string;
  refreshToken?: string;
  /** Seconds since the epoch; absent when the DVA gave no `expires_in`. */
  expiresAt?: number;
  patient: string;
}

// docs/protocol.md §2.1: long-term consent lets one DigiD login serve collection for six months.
const DOSSIER_TTL = 183 * 24 * 3600;
// Refresh this long before expiry, so a token does not lapse in flight.
const EXPIRY_MARGIN = 30;

/** FHIR R4 Task.status values after which nothing more is done (task.html#statemachine). */
const FINISHED = new Set(['completed', 'cancelled', 'failed', 'rejected', 'entered-in-error']);

/** True for a Task status in which the Task is finished and no module is started any more. */
export function isFinished(status: string): boolean {
  return FINISHED.has(status);
}

export class DossierStore {
  readonly #store: KeyValueStore;
  readonly #dva: DvaClient;
  readonly #clock: Clock;

  constructor(store: KeyValueStore, dva: DvaClient, clock: Clock = systemClock) {
    this.#store = store;
    this.#dva = dva;
    this.#clock = clock;
  }

  async data(bsn: string): Promise<DossierData | undefined> {
    return this.#store.get<DossierData>(tupleKey('pgo:dossier', bsn));
  }

  async saveData(bsn: string, data: DossierData): Promise<void> {
    await this.#store.set(tupleKey('pgo:dossier', bsn), data, DOSSIER_TTL);
  }

  /** Replaces one Task's status after the return from a module (docs/protocol.md §4.6). */
  async updateTaskStatus(bsn: string, taskId: string, status: string): Promise<void> {
    const data = await this.data(bsn);
    const task = data?.tasks.find((t) => t.id === taskId);
    if (!data || !task) return;
    task.status = status;
    await this.saveData(bsn, data);
  }

  /** Keeps the DVA's tokens for the dossier (`MEDMIJ_VERZAMELEN_TOKEN`, docs/protocol.md §2.1). */
  async saveTokens(bsn: string, tokens: DvaTokens & { patient: string }): Promise<void> {
    const stored: StoredTokens = {
      accessToken: tokens.access_token,
      patient: tokens.patient,
      ...(tokens.refresh_token !== undefined && { refreshToken: tokens.refresh_token }),
      ...(tokens.expires_in !== undefined && { expiresAt: this.#clock() + Math.floor(tokens.expires_in) }),
    };
    const ttl = stored.refreshToken !== undefined ? DOSSIER_TTL : Math.max(60, Math.floor(tokens.expires_in ?? DOSSIER_TTL));
    await this.#store.set(tupleKey('pgo:dva-tokens', bsn), stored, ttl);
  }

  /**
   * A live collect token for the dossier, renewed with the refresh token when it has
   * (nearly) expired (RFC 6749 §6).
   *
   * @throws {Conflict} nothing was collected yet, or the token expired and cannot be renewed
   * @throws {UpstreamError} the DVA refused the refresh for another reason than an expired grant
   */
  async collectToken(bsn: string): Promise<{ accessToken: string; patient: string }> {
    const stored = await this.#store.get<StoredTokens>(tupleKey('pgo:dva-tokens', bsn));
    if (!stored) throw new Conflict('Haal eerst de taken op bij uw zorgaanbieder.');
    if (stored.expiresAt === undefined || stored.expiresAt - EXPIRY_MARGIN > this.#clock()) {
      return { accessToken: stored.accessToken, patient: stored.patient };
    }
    if (stored.refreshToken === undefined) throw new Conflict('Uw toegang bij de zorgaanbieder is verlopen. Haal de taken opnieuw op.');
    let fresh: DvaTokens;
    try {
      fresh = await this.#dva.refreshTokenGrant(stored.refreshToken);
    } catch (error) {
      if (error instanceof UpstreamError && error.error === 'invalid_grant') {
        await this.#store.delete(tupleKey('pgo:dva-tokens', bsn));
        throw new Conflict('Uw toegang bij de zorgaanbieder is beëindigd. Haal de taken opnieuw op.');
      }
      throw error;
    }
    // The renewed token must still be about the same person at the DVA.
    if (fresh.patient !== undefined && fresh.patient !== stored.patient) {
      throw new UpstreamError('DVA', 'De zorgaanbieder vernieuwde de toegang voor een andere patiënt.');
    }
    // RFC 6749 §6: a new refresh token replaces the old one; otherwise the old one stays valid.
    await this.saveTokens(bsn, { ...fresh, refresh_token: fresh.refresh_token ?? stored.refreshToken, patient: stored.patient });
    return { accessToken: fresh.access_token, patient: stored.patient };
  }
}
