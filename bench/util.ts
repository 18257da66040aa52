/**
 * What every benchmark section shares: the run options, timing loops, percentiles and the
 * table printer. Benchmarks print figures; they assert nothing beyond "the flow still works".
 */
import { execSync } from 'node:child_process';
import { cpus, loadavg, release, totalmem, type as osType } from 'node:os';

export interface BenchOptions {
  /** `--quick`: a smoke run with few iterations; the figures are not meant to be quoted. */
  quick: boolean;
}

/** The headline figures of this run by key, written to `bench-results.json` at the end (bench/index.ts). */
export const results: Record<string, number> = {};

/** Records a headline figure (a ratio or a rate) under `key`, rounded to 3 significant digits. */
export function record(key: string, value: number): void {
  results[key] = Number.isFinite(value) ? Number(value.toPrecision(3)) : value;
}

/** A result row: column name → value (numbers are formatted by {@link printTable}). */
export type Row = Record<string, string | number>;

/** One measured loop. */
export interface Timing {
  ops: number;
  /** Wall time of the timed part. */
  ms: number;
  opsPerSecond: number;
  /** Latency of each timed call, ms. */
  latencies: number[];
}

/** Runs `fn(i)` for i in [0, n) with at most `inFlight` calls pending; returns the wall time in ms. */
export async function runConcurrent(n: number, inFlight: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const start = performance.now();
  const worker = async () => {
    while (next < n) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, n) }, worker));
  return performance.now() - start;
}

/** Calls `fn(i)` `warmup` times untimed, then times `n` more calls (i counts on). */
export async function measureOps(n: number, fn: (i: number) => unknown, options: { warmup: number; inFlight?: number }): Promise<Timing> {
  for (let i = 0; i < options.warmup; i++) await fn(i);
  const latencies: number[] = [];
  const ms = await runConcurrent(n, options.inFlight ?? 1, async (i) => {
    const start = performance.now();
    await fn(options.warmup + i);
    latencies.push(performance.now() - start);
  });
  return { ops: n, ms, opsPerSecond: (n / ms) * 1000, latencies };
}

export interface FreshOptions {
  warmup: number;
  inFlight?: number;
  /** Inputs made per round (default 2 000). */
  round?: number;
  /** Called right around each timed run of one contender, e.g. to sum up event-loop utilisation. */
  around?: { before(name: string): void; after(name: string): void };
}

/**
 * Times each contender on the same `n` inputs: `make(count)` creates them untimed, round by round,
 * and every contender runs on a round before the next round is made. Fresh inputs per round keep a
 * slow run within the 60 s a DPoP proof is accepted after its `iat` (RFC 9449 §4.3 (11)); running
 * the contenders alternately makes a drift in machine speed hit all of them alike.
 */
export async function compareFresh<T, K extends string>(
  n: number,
  make: (count: number) => Promise<T[]>,
  contenders: Record<K, (input: T) => Promise<unknown>>,
  options: FreshOptions,
): Promise<Record<K, Timing>> {
  const inFlight = options.inFlight ?? 1;
  const names = Object.keys(contenders) as K[];
  const warm = await make(options.warmup);
  for (const name of names) await runConcurrent(warm.length, inFlight, (i) => contenders[name](warm[i]!));
  const timings = Object.fromEntries(names.map((name) => [name, { ops: n, ms: 0, opsPerSecond: 0, latencies: [] as number[] }])) as Record<K, Timing>;
  for (let done = 0; done < n; ) {
    const inputs = await make(Math.min(options.round ?? 2_000, n - done));
    for (const name of names) {
      const timing = timings[name];
      options.around?.before(name);
      timing.ms += await runConcurrent(inputs.length, inFlight, async (i) => {
        const start = performance.now();
        await contenders[name](inputs[i]!);
        timing.latencies.push(performance.now() - start);
      });
      options.around?.after(name);
    }
    done += inputs.length;
  }
  for (const timing of Object.values<Timing>(timings)) timing.opsPerSecond = (n / timing.ms) * 1000;
  return timings;
}

/** `count` results of `create()`, made 64 at a time. */
export async function batch<T>(count: number, create: () => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  while (out.length < count) out.push(...(await Promise.all(Array.from({ length: Math.min(64, count - out.length) }, create))));
  return out;
}

/** The sum of `values`. */
export function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** The p-th percentile (0–100) of `values`, nearest-rank method. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** Formats a figure with three significant digits at most, thousands grouped. */
export function fmt(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  const digits = Number.isInteger(value) || abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** Prints `rows` as an aligned plain-text table under `title`; numbers are right-aligned. */
export function printTable(title: string, rows: readonly Row[], note?: string): void {
  console.log(`\n${title}`);
  if (rows.length === 0) return;
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: string | number | undefined) => (v === undefined ? '' : typeof v === 'number' ? fmt(v) : v);
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: Array<string | number | undefined>, numeric: boolean[]) =>
    '  ' + values.map((v, i) => (numeric[i] ? cell(v).padStart(widths[i]!) : cell(v).padEnd(widths[i]!))).join('  ').trimEnd();
  // a column of numbers (blanks allowed) is right-aligned
  const numeric = columns.map((c) => rows.some((r) => typeof r[c] === 'number') && rows.every((r) => r[c] === undefined || r[c] === '' || typeof r[c] === 'number'));
  console.log(line(columns, numeric));
  console.log('  ' + widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(columns.map((c) => row[c]), numeric));
  if (note) console.log(note.replace(/^/gm, '  '));
}

/** The machine and runtime header printed once at the start of a run. */
export function printHeader(options: BenchOptions, sections: readonly string[]): void {
  const cpu = cpus();
  let commit = 'unknown';
  try {
    commit = execSync('git rev-parse --short HEAD', { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    if (execSync('git status --porcelain', { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim() !== '') commit += ' (with local changes)';
  } catch {
    // not a git checkout: the commit stays unknown
  }
  console.log('Koppelmij benchmarks');
  console.log(`  date      ${new Date().toISOString()}`);
  console.log(`  machine   ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${osType()} ${release()}`);
  const load = loadavg().map((l) => l.toFixed(2)).join(' ');
  const busy = loadavg()[0]! > cpu.length ? '  (more runnable work than cores: other processes compete, figures are low)' : '';
  console.log(`  load      ${load} (1, 5, 15 min)${busy}`);
  console.log(`  runtime   Node ${process.version} (${process.arch}), V8 ${process.versions.v8}`);
  console.log(`  commit    ${commit}`);
  console.log(`  sections  ${sections.join(', ')}${options.quick ? '  (--quick: smoke run, do not quote these figures)' : ''}`);
}
