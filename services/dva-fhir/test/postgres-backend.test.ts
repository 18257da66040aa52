/**
 * Every dva-fhir suite that runs the app, again on the PostgreSQL store (docs/decisions.md I91):
 * the same tests, each harness on a database of its own (upstream and PostgreSQL suites set
 * their own store; the unit suites use no store).
 */
import { describe, it } from 'vitest';
import { postgresOrSkip } from './postgres.ts';
import { usePostgres } from './support.ts';

if (await postgresOrSkip('dva-fhir on PostgreSQL')) {
  usePostgres();
  await import('./authentication.test.ts');
  await import('./authorization.test.ts');
  await import('./writes.test.ts');
  await import('./identity-check.test.ts');
  await import('./audit-event.test.ts');
} else {
  describe.skip('dva-fhir on PostgreSQL', () => it('needs a PostgreSQL'));
}
