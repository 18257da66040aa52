import { z } from 'zod';
import { loadConfig } from '../config.ts';

/**
 * The demo's switches (docs/decisions.md I138). They exist for the one-process demo
 * (scripts/stack.ts) only: no service reads them from its own environment, and a production
 * process refuses them.
 */
export interface DemoSwitches {
  /** Record every request of the five services into the trace store (`DEMO_TRACE`). */
  trace: boolean;
  /** The PGO shows the module launch URL before the browser follows it (`DEMO_PAUSE_LAUNCH`). */
  pauseLaunch: boolean;
}

const flag = z.enum(['true', 'false']).default('false').transform((v) => v === 'true');
const DemoEnvironment = z.object({ DEMO_TRACE: flag, DEMO_PAUSE_LAUNCH: flag, NODE_ENV: z.string().optional() });

/** @throws Error when a switch is on under `NODE_ENV=production`, or a value is not `true`/`false`. */
export function loadDemoSwitches(env: Record<string, string | undefined>): DemoSwitches {
  const e = loadConfig(DemoEnvironment, env);
  const switches = { trace: e.DEMO_TRACE, pauseLaunch: e.DEMO_PAUSE_LAUNCH };
  if (e.NODE_ENV === 'production' && (switches.trace || switches.pauseLaunch)) {
    throw new Error('DEMO_TRACE and DEMO_PAUSE_LAUNCH are demo switches and refused with NODE_ENV=production');
  }
  return switches;
}
