/**
 * `pnpm bench [core] [3a] [fhir] [--quick]`: the benchmark programs. Without a section name all
 * sections run (about 3–4 minutes on a 2-core machine); `--quick` is a smoke run of a few seconds.
 *
 *   core  DPoP proof and client assertion verification, launch codes (memory and Redis)
 *   3a    complete option 3a-W launches through the whole in-process stack, and their crypto floor
 *   2     complete option 2a and 2b launches (the PGO as authorization server, delegation with DPoP)
 *   fhir  the DPoP-protected FHIR read at dva-fhir next to the same route without authentication
 *   scale the services as separate processes sharing Redis (the compose topology), with 1 and 2
 *         instances of dva-auth and dva-fhir behind a round-robin proxy: launches/s and FHIR reads/s
 *
 * The headline ratios go to `bench-results.json` at the repository root as well.
 */
import { benchCore } from './core.ts';
import { benchFhir } from './fhir.ts';
import { benchLaunch3a } from './launch-3a.ts';
import { benchLaunch2 } from './launch-2.ts';
import { benchLaunch1And3b } from './launch-1-3b.ts';
import { writeFileSync } from 'node:fs';
import { benchScale } from './scale.ts';
import { printHeader, results, type BenchOptions } from './util.ts';

const SECTIONS: Record<string, (options: BenchOptions) => Promise<void>> = {
  core: benchCore,
  '3a': benchLaunch3a,
  '2': benchLaunch2, // options 2a and 2b (issue 5)
  '1-3b': benchLaunch1And3b, // options 1 and 3b (issue 4)
  fhir: benchFhir,
  scale: benchScale, // the compose topology as processes sharing Redis, 1 and 2 DVA instances (issue 11)
};

const args = process.argv.slice(2);
const options: BenchOptions = { quick: args.includes('--quick') };
const unknown = args.filter((a) => !(a in SECTIONS) && a !== '--quick');
if (unknown.length > 0) {
  console.error(`unknown argument(s): ${unknown.join(' ')}\nusage: pnpm bench [${Object.keys(SECTIONS).join('] [')}] [--quick]`);
  process.exit(2);
}
const chosen = Object.keys(SECTIONS).filter((s) => args.length === 0 || args.includes(s) || args.every((a) => a === '--quick'));

printHeader(options, chosen);
const started = performance.now();
for (const section of chosen) {
  const t = performance.now();
  await SECTIONS[section]!(options);
  console.log(`  (section ${section}: ${((performance.now() - t) / 1000).toFixed(1)} s)`);
}
console.log(`\ndone in ${((performance.now() - started) / 1000).toFixed(1)} s`);
// the headline figures of this one run, for comparing runs (not a CI gate: speed is never asserted)
const file = new URL('../bench-results.json', import.meta.url);
writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), quick: options.quick, sections: chosen, ...results }, null, 2)}\n`);
console.log(`figures written to ${file.pathname}`);
