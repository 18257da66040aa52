/**
 * Integration level PS (docs/protocol.md §5; docs/integration-levels.md): what the PGO keeps for the modules
 * of its own domain. The person behind a FHIR Patient id (a pseudonym of the dossier) and the
 * Observations those modules stored, per dossier.
 */
import { createHmac } from 'node:crypto';
import { tupleKey, type KeyValueStore } from '@koppelmij/core';
import type { PgoDomainLaunch } from '../smart-as/launch.ts';

/** The person a PS access token's `patient` stands for. */
export interface PgoDomainPatient {
  bsn: string;
  person: PgoDomainLaunch['person'];
}

/** An Observation a PS module stored in the dossier, as the dossier page shows it. */
export interface StoredObservation {
  id: string;
  /** The module that stored it (the token's `client_id`). */
  clientId: string;
  text: string;
  effective?: string;
}

// docs/protocol.md §2.1's six months, as the dossier itself (dossier-store.ts).
const OBSERVATION_TTL = 183 * 24 * 3600;
/** The dossier page shows the latest results only. */
const SHOWN = 10;

/**
 * The dossier's FHIR Patient id at the PGO's facade: a keyed pseudonym (never the BSN, docs/protocol.md §4.4),
 * hex so that it is a FHIR `id` (FHIR R4 datatypes: `[A-Za-z0-9\-\.]{1,64}`).
 */
export function pgoPatientId(secret: string, bsn: string): string {
  return createHmac('sha256', secret).update(`pgo-patient:${bsn}`).digest('hex');
}

/** The PGO-domain records in the PGO's store. */
export class PgoDomainStore {
  readonly #store: KeyValueStore;

  constructor(store: KeyValueStore) {
    this.#store = store;
  }

  /** Keeps who `patientId` is for as long as a token naming it lives. */
  async savePatient(patientId: string, patient: PgoDomainPatient, ttlSeconds: number): Promise<void> {
    await this.#store.set(tupleKey('pgo-ps:patient', patientId), patient, ttlSeconds);
  }

  /** The person behind `patientId`, while a token naming it may live. */
  async patient(patientId: string): Promise<PgoDomainPatient | undefined> {
    return this.#store.get<PgoDomainPatient>(tupleKey('pgo-ps:patient', patientId));
  }

  /** RFC 7009 §2.1: the access token `jti` is revoked, for as long as it could still be presented. */
  async revokeAccessToken(jti: string, ttlSeconds: number): Promise<void> {
    await this.#store.set(tupleKey('pgo-ps:revoked', jti), true, ttlSeconds);
  }

  async isRevoked(jti: string): Promise<boolean> {
    return (await this.#store.get<boolean>(tupleKey('pgo-ps:revoked', jti))) === true;
  }

  /** Stores an Observation under the next number of the dossier (one atomic increment, no read-modify-write). */
  async addObservation(bsn: string, observation: Omit<StoredObservation, 'id'>): Promise<StoredObservation> {
    const n = await this.#store.increment(tupleKey('pgo-ps:observation-count', bsn), OBSERVATION_TTL);
    const stored = { id: `ps-${n}`, ...observation };
    await this.#store.set(tupleKey('pgo-ps:observation', bsn, String(n)), stored, OBSERVATION_TTL);
    return stored;
  }

  /** The dossier's latest stored Observations, newest first. */
  async observations(bsn: string): Promise<StoredObservation[]> {
    const count = (await this.#store.get<number>(tupleKey('pgo-ps:observation-count', bsn))) ?? 0;
    const numbers = Array.from({ length: Math.min(count, SHOWN) }, (_, i) => count - i);
    const found = await Promise.all(numbers.map((n) => this.#store.get<StoredObservation>(tupleKey('pgo-ps:observation', bsn, String(n)))));
    return found.filter((o): o is StoredObservation => o !== undefined);
  }
}
