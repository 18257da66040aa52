import type { FastifyBaseLogger } from 'fastify';
import type Provider from 'oidc-provider';
import type { Actor, KeyValueStore, LaunchCodes } from '@koppelmij/core';
import type { ModuleRegistration, PgoRegistration, Registrations, SigningKey } from '@koppelmij/service-kit';
import type { AuditLog } from './audit.ts';
import type { DvaAuthConfig } from './config.ts';
import type { PatientIndex } from './patients.ts';

/** The launch context the DVA keeps for a launch code (docs/protocol.md §3.1.3 "Launch context record"). */
export interface LaunchContextRecord {
  /** Pseudonymous subject of the collect token. */
  sub: string;
  /** FHIR id of the patient. */
  patient: string;
  /** Module client_id (the token-exchange `audience`). */
  audience: string;
  /** The PGO that asked for the launch. */
  pgo_client_id: string;
  /** Validated `resource` references, the Task first. */
  resources: string[];
  return_url?: string;
  /** The launch preparation bound to the Module DVA Authentication cookie set at W4 (absent for 3a-P; docs/decisions.md I46). */
  correlation?: string;
  /** The grant of the collect token: revoking it revokes what was derived (docs/security-checklists.md §2 (13)); its identity check covers the launch (docs/identity-check.md). */
  subject_grant_id?: string;
  /** The representative, when the collect token (3a, option 1) or the DVA session's DigiD login (3b) was under representation (RFC 8693 §4.1; docs/identity-check-reference.md). */
  act?: Actor;
  /** The person consented to this module while the launch was prepared (option 1, docs/protocol.md §3.2 step 5). */
  consented?: true;
}

/** What the DVA remembers per oidc-provider grant (docs/oidc-provider-notes.md §2: grants cannot carry custom data). */
export type GrantContext =
  | { kind: 'collect'; sub: string; patient: string; act?: Actor }
  | { kind: 'launch-prep'; sub: string; patient: string; audience: string; correlation: string; consented?: true; act?: Actor }
  | { kind: 'module'; sub: string; patient: string; launch: LaunchContextRecord; started_at: number }
  /** Level S (docs/protocol.md §5): a module's standalone launch; its context is the person alone. */
  | { kind: 'standalone'; sub: string; patient: string; audience: string; started_at: number; act?: Actor };

/** Everything the parts of dva-auth share; built once by `buildDvaAuth`. */
export interface DvaAuth {
  config: DvaAuthConfig;
  provider: Provider;
  store: KeyValueStore;
  registrations: Registrations;
  patients: PatientIndex;
  audit: AuditLog;
  launchCodes: LaunchCodes<LaunchContextRecord>;
  signingKey: SigningKey;
  log: FastifyBaseLogger;
  fetch: typeof fetch;
  pgo(clientId: string): PgoRegistration | undefined;
  module(clientId: string): ModuleRegistration | undefined;
  grantContext: {
    get(grantId: string): Promise<GrantContext | undefined>;
    set(grantId: string, context: GrantContext, ttl: number): Promise<void>;
  };
}
