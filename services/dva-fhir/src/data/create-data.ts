import type { DvaFhirConfig } from '../config.ts';
import type { FhirData } from './fhir-data.ts';
import { MemoryFhirData } from './memory-data.ts';
import { PostgresFhirData } from './postgres-data.ts';
import type { FhirResource } from './resource.ts';

/**
 * The configured data store (docs/decisions.md I91): PostgreSQL for `FHIR_DATABASE_URL`, else
 * memory (the demo). Both are seeded with `seed()`, PostgreSQL only with what it lacks.
 */
export async function createFhirData(config: Pick<DvaFhirConfig, 'fhirUrl' | 'databaseUrl'>, seed: () => FhirResource[]): Promise<FhirData> {
  if (config.databaseUrl !== undefined) return PostgresFhirData.open(config.databaseUrl, { fhirBase: config.fhirUrl, seed: seed() });
  return new MemoryFhirData(seed());
}
