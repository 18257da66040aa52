/**
 * Safeguard 4.3.2 (docs/identity-check-reference.md): the quarantine box. A collect's data and tokens wait here,
 * outside the dossier, until the person moves them in or discards them. One box per dossier;
 * server-side like every token (docs/protocol.md §8 item 26), and gone after an hour.
 */
import { tupleKey, type KeyValueStore } from '@koppelmij/core';
import type { DossierData } from './dossier-store.ts';
import type { DvaTokens } from './dva-client.ts';
import type { QuarantinedPerson } from './identity-views.ts';

export interface QuarantineBox {
  tokens: DvaTokens & { patient: string };
  data: DossierData;
  /** Whom the DVA's Patient resource names, and whether that is the dossier's person. */
  person: QuarantinedPerson;
}

const BOX_TTL = 3600;

export class Quarantine {
  readonly #store: KeyValueStore;

  constructor(store: KeyValueStore) {
    this.#store = store;
  }

  /** Puts a collect in the dossier's box, replacing an earlier one. */
  async put(bsn: string, box: QuarantineBox): Promise<void> {
    await this.#store.set(key(bsn), box, BOX_TTL);
  }

  async get(bsn: string): Promise<QuarantineBox | undefined> {
    return this.#store.get<QuarantineBox>(key(bsn));
  }

  /** Empties the box in one atomic step (docs/decisions-protocol.md D12): of two decisions, one gets the contents. */
  async take(bsn: string): Promise<QuarantineBox | undefined> {
    return this.#store.take<QuarantineBox>(key(bsn));
  }
}

function key(bsn: string): string {
  return tupleKey('pgo:quarantine', bsn);
}
