/**
 * Section `2` (issue 5): complete launches of options 2a and 2b (docs/protocol.md §3.3, §3.4;
 * docs/option-2a-2b.md) through the whole stack in one process, scripted, no browser engine,
 * in-memory stores. One launch is timed as in section `3a`: from submitting "start module" on the
 * PGO dossier page until the module's app page has arrived, with its FHIR reads (Patient and
 * Task, DPoP-bound). In between: the PGO's launch token, the PGO's /authorize and /token, and the
 * DVA's token exchange (2a: by the PGO; 2b: the temporary token, then the module's exchange).
 */
import { launchLoad, measureTask, virtualUsers, withStack } from './launches.ts';
import { printTable, type BenchOptions, type Row } from './util.ts';

/** The virtual users: Tom van Duinen, who owns task-2a and task-2b, in browsers of their own (own PGO sessions). */
const TOM = '999990020';
const USERS = 3;

/** Runs and prints the `2` section. */
export async function benchLaunch2(options: BenchOptions): Promise<void> {
  const load = launchLoad(options, { sequential: 100, perUser: 50 });
  await withStack(async (stack) => {
    const users = await virtualUsers(stack, TOM, USERS);
    const rows: Row[] = [];
    let hops = 0;
    for (const task of ['task-2a', 'task-2b']) {
      const measured = await measureTask(users, task, load, { option: task.slice('task-'.length) });
      rows.push(...measured.rows);
      hops = measured.hops;
    }
    printTable('2 · complete option 2a and 2b launches (module-2a, module-2b; in-process stack, MemoryStore)', rows,
      `one launch = submit "start module" at the PGO → … → module app page incl. its DPoP FHIR reads (${hops} browser requests);\n` +
      'the browser and all five services share this one Node process');
  });
}
