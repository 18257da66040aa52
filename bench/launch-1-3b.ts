/**
 * Section `1-3b` (issue 4): complete launches of options 1 and 3b (docs/protocol.md §3.2, §3.5;
 * docs/option-1.md, docs/option-3b.md) through the whole stack in one process, scripted, no
 * browser engine, in-memory stores. One launch is timed as in section `3a`: from submitting
 * "start module" on the PGO dossier page until the module's app page has arrived, with its FHIR
 * reads. Option 1 includes the DVA's consent screen for module-1 (its policy is `always`),
 * approved at once; option 3b's module-3b asks consent the first time only (the warm-up).
 * Both browsers are within the collect's cookie windows, so neither launch involves DigiD.
 */
import { launchLoad, measureTask, virtualUsers, withStack } from './launches.ts';
import { printTable, type BenchOptions, type Row } from './util.ts';

/** Tom van Duinen owns task-1 and task-3b; each virtual user is Tom in a browser of its own. */
const TOM = '999990020';
const USERS = 3;
const TASKS = { '1': 'task-1', '3b': 'task-3b' } as const;

/** Runs and prints the `1-3b` section. */
export async function benchLaunch1And3b(options: BenchOptions): Promise<void> {
  const load = launchLoad(options, { sequential: 100, perUser: 50 });
  await withStack(async (stack) => {
    const users = await virtualUsers(stack, TOM, USERS);
    const rows: Row[] = [];
    const hops: string[] = [];
    for (const [option, task] of Object.entries(TASKS)) {
      // module-1 asks consent on every launch (approved at once), module-3b the first time only (in the warm-up)
      const measured = await measureTask(users, task, load, { option }, true);
      rows.push(...measured.rows);
      hops.push(`${option}: ${measured.hops}`);
    }
    printTable('1-3b · complete option 1 and 3b launches (module-1, module-3b; in-process stack, MemoryStore)', rows,
      `one launch = submit "start module" at the PGO → … → module app page incl. its FHIR reads (browser requests: ${hops.join(', ')});\n` +
      'option 1 includes approving module-1\'s consent screen; the browser and all five services share this one Node process');
  });
}
