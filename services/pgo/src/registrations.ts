/**
 * The part of `registrations.json` the PGO needs (docs/architecture.md "Registrations are data"):
 * its own client at the DVA (for the collect `scope`), per module client_id the launch option
 * and display name, and its own catalogue (levels L, TL, PS). The file is parsed with
 * `@koppelmij/service-kit`'s schemas; this is the PGO's view of it.
 */
import { readFile } from 'node:fs/promises';
import { parseRegistrations as parseRegistrationsFile, type IntegrationLevel, type LaunchOption } from '@koppelmij/service-kit';
import type { PgoConfig } from './config.ts';

export { integrationLevels as INTEGRATION_LEVELS, launchOptions as LAUNCH_OPTIONS } from '@koppelmij/service-kit';
export type { IntegrationLevel, LaunchOption } from '@koppelmij/service-kit';

export interface ModuleInfo {
  clientId: string;
  name: string;
  /** Undefined for a standalone (level S) module. */
  launchOption: LaunchOption | undefined;
  integrationLevel: IntegrationLevel;
  launchUrl: string | undefined;
}

/** An entry of the PGO's own catalogue (levels L, TL, PS). */
export interface CatalogueInfo {
  id: string;
  name: string;
  integrationLevel: 'L' | 'TL' | 'PS';
  /** Level L: the link. */
  url: string | undefined;
}

export interface Registrations {
  /** This PGO's registration at the DVA. */
  pgo: { clientId: string; scope: string };
  /** Registered modules by client_id (= the Endpoint's ext-ClientID, docs/protocol.md §1.6). */
  modules: ReadonlyMap<string, ModuleInfo>;
  /** The PGO's catalogue by id (for TL: = the Endpoint's ext-ClientID). */
  catalogue: ReadonlyMap<string, CatalogueInfo>;
}

/** The values of the registrations' `{{NAME}}` placeholders: the configured URL of each service. */
export function registrationUrls(config: PgoConfig): Record<string, string> {
  return {
    PGO_URL: config.pgoUrl,
    DVA_AUTH_URL: config.dvaAuthUrl,
    DVA_FHIR_URL: config.dvaFhirUrl,
    DIGID_URL: config.digidUrl,
    MODULE_URL: config.moduleUrl,
  };
}

/**
 * Parses registrations from JSON text and picks this PGO's entry.
 *
 * @throws Error when the file is malformed, has an unknown placeholder or no entry for `config.clientId`
 */
export function parseRegistrations(text: string, config: PgoConfig): Registrations {
  const file = parseRegistrationsFile(text, registrationUrls(config), config.registrationsFile);
  const pgo = file.pgos.find((p) => p.client_id === config.clientId);
  if (!pgo) throw new Error(`registrations: no PGO entry with client_id "${config.clientId}"`);
  const modules = new Map<string, ModuleInfo>(
    file.modules.map((m) => [
      m.client_id,
      { clientId: m.client_id, name: m.client_name, launchOption: m.launch_option, integrationLevel: m.integration_level, launchUrl: m.launch_url },
    ]),
  );
  const catalogue = new Map<string, CatalogueInfo>(
    file.catalogue.map((e) => [e.id, { id: e.id, name: e.name, integrationLevel: e.integration_level, url: e.url }]),
  );
  return { pgo: { clientId: pgo.client_id, scope: pgo.scope }, modules, catalogue };
}

/** Reads and parses `config.registrationsFile`. */
export async function loadRegistrations(config: PgoConfig): Promise<Registrations> {
  return parseRegistrations(await readFile(config.registrationsFile, 'utf8'), config);
}
