/**
 * What the PGO's routes share: configuration, registrations, the store-backed sessions and
 * dossiers, and the clients of DigiD and the DVA.
 */
import type { KeyValueStore } from '@koppelmij/core';
import type { SigningKey } from '@koppelmij/service-kit';
import type { Accounts } from './accounts.ts';
import type { PgoConfig } from './config.ts';
import type { DigidClient } from './digid-login.ts';
import type { DossierStore } from './dossier-store.ts';
import type { DvaClient } from './dva-client.ts';
import type { Quarantine } from './quarantine.ts';
import type { Registrations } from './registrations.ts';
import type { Sessions } from './session.ts';

export interface PgoContext {
  config: PgoConfig;
  registrations: Registrations;
  sessions: Sessions;
  dossiers: DossierStore;
  /** Safeguard 4.3.2's box (docs/identity-check-reference.md). */
  quarantine: Quarantine;
  /** Whose dossiers a person may open on someone else's behalf. */
  accounts: Accounts;
  dva: DvaClient;
  digid: DigidClient;
  signingKey: SigningKey;
  fetch: typeof fetch;
  /** The PGO's store, for state beyond sessions and dossiers (options 2a/2b: launch tokens, the authorization server). */
  store: KeyValueStore;
}
