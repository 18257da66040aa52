import { authorizeCases } from './cases/authorize.ts';
import { inputCases } from './cases/input.ts';
import { launchCases } from './cases/launch.ts';
import { resourceCases } from './cases/resource.ts';
import { tokenCases } from './cases/token.ts';
import { runCases, type Case, type CaseResult } from './kit.ts';
import { Target, type TargetOptions } from './target.ts';

export { formatResult, summary, type Case, type CaseResult, type Verdict } from './kit.ts';
export { Target, type TargetOptions } from './target.ts';

/** Every case of the kit, in the order they run. */
export const CASES: readonly Case[] = [...authorizeCases, ...tokenCases, ...resourceCases, ...inputCases, ...launchCases];


/** Runs the kit against `options`' deployment; `skip` names the cases not to run, with the reason. */
export function runConformance(options: TargetOptions, skip?: (c: Case) => string | undefined): Promise<CaseResult[]> {
  return runCases(CASES, new Target(options), skip);
}
