/**
 * Test support for the PostgreSQL data store: a database of its own per use, dropped afterwards
 * (`PG_ADMIN_URL`, default postgres://postgres@127.0.0.1:5432/test). Without a PostgreSQL the
 * suites skip with a message, except under `CI=true`, where they must run.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

const ADMIN_URL = process.env.PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Whether a PostgreSQL answers at the admin URL. */
export async function postgresOrSkip(suite: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    return true;
  } catch (error) {
    if (process.env.CI === 'true') throw new Error(`${suite}: PostgreSQL at ${ADMIN_URL} is required under CI=true: ${String(error)}`);
    console.warn(`${suite}: skipped, no PostgreSQL at ${ADMIN_URL} (set PG_ADMIN_URL)`);
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

export interface TestDatabase {
  url: string;
  /** Drops the database, closing whatever still holds a connection to it. */
  drop(): Promise<void>;
}

/** A new, empty database with a unique name. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `koppelmij_fhir_${process.pid}_${randomBytes(6).toString('hex')}`;
  await admin(`create database ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`drop database if exists ${name} with (force)`) };
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
