import type { DvaFhirConfig } from '../config.ts';
import type { FhirData } from './fhir-data.ts';
import { MemoryFhirData } from './memory-data.ts';
import { PostgresFhirData } from './postgres-data.ts';
import type { FhirResource } from './resource.ts';
import { UpstreamFhirData } from './upstream-data.ts';

/**
 * The configured data store (docs/decisions.md I91, I92): a vendor's FHIR server for
 * `FHIR_UPSTREAM_URL` (its own data, no seed), PostgreSQL for `FHIR_DATABASE_URL`, else memory
 * (the demo). The last two are seeded with `seed()`, PostgreSQL only with what it lacks.
 */
export async function createFhirData(config: Pick<DvaFhirConfig, 'fhirUrl' | 'databaseUrl' | 'upstream'>, seed: () => FhirResource[]): Promise<FhirData> {
  if (config.upstream !== undefined) return new UpstreamFhirData({ ...config.upstream, fhirBase: config.fhirUrl });
  if (config.databaseUrl !== undefined) return PostgresFhirData.open(config.databaseUrl, { fhirBase: config.fhirUrl, seed: seed() });
  return new MemoryFhirData(seed());
}
