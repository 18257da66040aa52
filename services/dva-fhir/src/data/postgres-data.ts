/**
 * The FHIR data in PostgreSQL (`FHIR_DATABASE_URL`, docs/decisions.md I91): shared by every
 * dva-fhir instance and durable across restarts. One table, resources as JSONB (as Medplum
 * keeps them), the version as a column for optimistic writes, and the compartment's patient ids
 * as an indexed array for the patient-token searches. The demo bundle is loaded once: each seed
 * resource is inserted unless it exists, so a restart never undoes a write.
 */
import { randomUUID } from 'node:crypto';
import { FhirError } from '@koppelmij/core/errors';
import pg from 'pg';
import { compartmentPatients } from './compartment.ts';
import { dataUnavailable, VersionConflict, withVersion, type FhirData, type ListOptions } from './fhir-data.ts';
import type { FhirResource } from './resource.ts';

const SCHEMA = `
create table if not exists fhir_resource (
  seq bigserial not null,
  type text not null,
  id text not null,
  version integer not null,
  patients text[] not null default '{}',
  content jsonb not null,
  primary key (type, id)
);
create index if not exists fhir_resource_type_seq on fhir_resource (type, seq);
create index if not exists fhir_resource_patients on fhir_resource using gin (patients);
create index if not exists fhir_resource_content on fhir_resource using gin (content jsonb_path_ops);
`;

/** Serialises schema creation and seeding of instances starting together (any constant works). */
const MIGRATION_LOCK = 0x6b6d_6668; // "kmfh"

const INSERT = 'insert into fhir_resource (type, id, version, patients, content) values ($1, $2, 1, $3, $4)';

export interface PostgresOptions {
  /** For the compartment index (references may be absolute under this base). */
  fhirBase: string;
  /** Resources inserted once, unless they exist. */
  seed?: readonly FhirResource[];
  /** Per query, ms (default 5000): a stuck database answers 503, not a hung request. */
  timeout?: number;
}

export class PostgresFhirData implements FhirData {
  readonly #pool: pg.Pool;
  readonly #fhirBase: string;

  private constructor(pool: pg.Pool, fhirBase: string) {
    this.#pool = pool;
    this.#fhirBase = fhirBase;
  }

  /** Connects, creates the table when missing and loads the seed. Throws when the database cannot be reached. */
  static async open(url: string, options: PostgresOptions): Promise<PostgresFhirData> {
    const timeout = options.timeout ?? 5000;
    const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: timeout, query_timeout: timeout });
    pool.on('error', () => {}); // an idle connection that dies; the next query reconnects or answers 503
    const data = new PostgresFhirData(pool, options.fhirBase);
    try {
      await data.#migrate(options.seed ?? []);
    } catch (error) {
      await pool.end();
      throw error;
    }
    return data;
  }

  async read(type: string, id: string): Promise<FhirResource | undefined> {
    const { rows } = await this.#query<{ content: FhirResource }>('select content from fhir_resource where type = $1 and id = $2', [type, id]);
    return rows[0]?.content;
  }

  async list(type: string, options: ListOptions = {}): Promise<FhirResource[]> {
    const { rows } =
      options.patient === undefined
        ? await this.#query<{ content: FhirResource }>('select content from fhir_resource where type = $1 order by seq', [type])
        : await this.#query<{ content: FhirResource }>(
            // the compartment's resources, and those in none (definitional); the policy decides on each
            "select content from fhir_resource where type = $1 and (patients @> array[$2]::text[] or patients = '{}') order by seq",
            [type, options.patient],
          );
    return rows.map((r) => r.content);
  }

  async create(resource: FhirResource): Promise<FhirResource> {
    const created = withVersion({ ...resource, id: randomUUID() }, '1');
    await this.#query(INSERT, [created.resourceType, created.id, this.#patients(created), created]);
    return created;
  }

  async update(resource: FhirResource, versionId: string): Promise<FhirResource> {
    const version = Number(versionId);
    if (!Number.isSafeInteger(version)) throw new VersionConflict();
    const next = withVersion(resource, String(version + 1));
    // one atomic statement: only the version this request read is replaced (D12)
    const { rowCount } = await this.#query(
      'update fhir_resource set version = version + 1, patients = $3, content = $4 where type = $1 and id = $2 and version = $5',
      [next.resourceType, next.id, this.#patients(next), next, version],
    );
    if (rowCount !== 1) throw new VersionConflict();
    return next;
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }

  async #migrate(seed: readonly FhirResource[]): Promise<void> {
    const client = await this.#pool.connect();
    try {
      await client.query('begin');
      await client.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await client.query(SCHEMA);
      for (const resource of seed) {
        const stored = withVersion(resource, '1');
        await client.query(`${INSERT} on conflict (type, id) do nothing`, [stored.resourceType, stored.id, this.#patients(stored), stored]);
      }
      await client.query('commit');
    } catch (error) {
      await client.query('rollback').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  #patients(resource: FhirResource): string[] {
    return compartmentPatients(resource, this.#fhirBase);
  }

  /**
   * Every query. A value PostgreSQL cannot hold (SQLSTATE class 22 "data exception", e.g. `\u0000`
   * in a JSONB string) is the client's 400; a database that cannot answer is a 503 (fail closed).
   * The cause is kept for the log.
   */
  async #query<R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<pg.QueryResult<R>> {
    try {
      return await this.#pool.query<R>(text, values);
    } catch (cause) {
      const code = (cause as { code?: unknown }).code;
      if (typeof code === 'string' && code.startsWith('22')) {
        throw Object.assign(new FhirError(400, 'invalid', 'The resource holds a value that cannot be stored'), { cause });
      }
      throw Object.assign(dataUnavailable(), { cause });
    }
  }
}
