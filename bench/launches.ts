/**
 * What the launch sections (`3a`, `2`, `1-3b`) share: the in-process stack, virtual users (a
 * scripted browser each, logged in at the PGO, after the collect), one timed launch, and the
 * measurement of one user launching in sequence next to all users at once.
 */
import { startStack, type Stack } from '../scripts/stack.ts';
import { Browser, hasTestId, textOf, type Page } from '../test/support/browser.ts';
import { collect, loginAtPgo } from '../test/support/flows.ts';
import { percentile, sum, type BenchOptions, type Row } from './util.ts';

/** A person in a browser of their own, on their dossier page; its "start module" form is submitted for every launch. */
export interface VirtualUser {
  browser: Browser;
  dossier: Page;
}

/** How many launches: untimed per user first, then timed by one user alone, then per user with all at once. */
export interface LaunchLoad {
  warmup: number;
  sequential: number;
  perUser: number;
}

/** The section's load: `full` normally, a few launches under `--quick`. */
export function launchLoad(options: BenchOptions, full: { sequential: number; perUser: number }): LaunchLoad {
  return options.quick ? { warmup: 1, sequential: 3, perUser: 2 } : { warmup: 5, ...full };
}

/** Runs `section` against all five services in this process (free ports, MemoryStore, no logs), then stops them. */
export async function withStack(section: (stack: Stack) => Promise<void>): Promise<void> {
  const stack = await startStack({ ports: { pgo: 0, dvaAuth: 0, dvaFhir: 0, module: 0, digid: 0 }, logLevel: 'silent' });
  try {
    await section(stack);
  } finally {
    await stack.close();
  }
}

/** Logs `bsn` in at the PGO in a browser of its own and collects (which sets the DVA's cookies). */
export async function virtualUser(stack: Stack, bsn: string): Promise<VirtualUser> {
  const browser = new Browser();
  const dossier = await collect(stack, browser, await loginAtPgo(stack, browser, bsn), bsn);
  return { browser, dossier };
}

/** `count` virtual users, each `bsn` in a browser of its own (own PGO and DVA sessions). */
export async function virtualUsers(stack: Stack, bsn: string, count: number): Promise<VirtualUser[]> {
  const users: VirtualUser[] = [];
  for (let i = 0; i < count; i++) users.push(await virtualUser(stack, bsn));
  return users;
}

/**
 * One launch of `task`, timed from submitting "start module" until the module's app page has
 * arrived. With `approveConsent`, a DVA consent screen on the way is approved at once (timed too).
 */
export async function timedLaunch(user: VirtualUser, task: string, approveConsent = false): Promise<{ ms: number; page: Page }> {
  const start = performance.now();
  let page = await user.browser.submit(user.dossier, `start-module-${task}`);
  if (approveConsent && hasTestId(page, 'consent-approve')) page = await user.browser.submit(page, 'consent-approve');
  const ms = performance.now() - start;
  assertModulePage(page, task);
  return { ms, page };
}

/** A benchmark of a broken flow would print nonsense: stop at the first launch that did not arrive. */
export function assertModulePage(page: Page, task: string): void {
  if (textOf(page, 'module-task-id') !== task) throw new Error(`launch of ${task} did not reach the module app page (${page.status} ${page.url})`);
}

/** The untimed warm-up: `load.warmup` launches per user. */
export async function warmUp<U>(users: readonly U[], launch: (user: U) => Promise<number>, load: LaunchLoad): Promise<void> {
  for (const user of users) for (let i = 0; i < load.warmup; i++) await launch(user);
}

/**
 * Times `load.sequential` launches of the first user alone, then `load.perUser` launches of every
 * user at once; one table row each, starting with `label`'s columns. `p50` is the first row's.
 */
export async function measureLaunches<U>(users: readonly U[], launch: (user: U) => Promise<number>, load: LaunchLoad, label: Row = {}): Promise<{ rows: Row[]; p50: number; cpuMs: number }> {
  const one: number[] = [];
  // CPU time of the whole process (services, browser, thread pool): a figure less disturbed than wall time by other work on the machine
  const cpu = process.cpuUsage();
  for (let i = 0; i < load.sequential; i++) one.push(await launch(users[0]!));
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000 / one.length;
  const all: number[] = [];
  const start = performance.now();
  await Promise.all(users.map(async (user) => {
    for (let i = 0; i < load.perUser; i++) all.push(await launch(user));
  }));
  const wall = performance.now() - start;
  const rows = [
    { ...label, 'virtual users': 1, launches: one.length, 'launches/s': (one.length / sum(one)) * 1000, 'p50 ms': percentile(one, 50), 'p99 ms': percentile(one, 99), 'CPU ms/launch': cpuMs },
    { ...label, 'virtual users': users.length, launches: all.length, 'launches/s': (all.length / wall) * 1000, 'p50 ms': percentile(all, 50), 'p99 ms': percentile(all, 99) },
  ];
  return { rows, p50: percentile(one, 50), cpuMs };
}

/**
 * A section's figures for the launch of `task` by every user: the warm-up, one launch counting its
 * browser requests (`hops`), then {@link measureLaunches}. `approveConsent` as in {@link timedLaunch}.
 */
export async function measureTask(users: readonly VirtualUser[], task: string, load: LaunchLoad, label: Row, approveConsent = false): Promise<{ rows: Row[]; hops: number }> {
  const launch = async (user: VirtualUser) => (await timedLaunch(user, task, approveConsent)).ms;
  await warmUp(users, launch, load);
  const hops = (await timedLaunch(users[0]!, task, approveConsent)).page.hops.length;
  return { rows: (await measureLaunches(users, launch, load, label)).rows, hops };
}
