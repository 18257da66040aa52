import type { Target } from './target.ts';

/** What one case found: it holds, it does not (with what was seen instead), or it could not run here. */
export type Verdict = { outcome: 'PASS'; note?: string } | { outcome: 'FAIL'; seen: string } | { outcome: 'SKIP'; why: string };

/** One negative test of the kit (docs/conformance.md), run from outside against a deployment. */
export interface Case {
  /** The catalogue's id, e.g. `AZ-09`. */
  id: string;
  /** What is tried and what must happen, in a few words. */
  what: string;
  /** The clause the expectation comes from. */
  clause: string;
  /** Where this deployment differs from the row by a recorded decision that is at least as safe. */
  differs?: string;
  /** Needs the scripted person journey (a PGO and a test DigiD the kit can drive). */
  journey?: boolean;
  /** Spends a quota of the kit's client (AV rows): run after every other case. */
  exhausts?: boolean;
  run(target: Target): Promise<Verdict>;
}

export const pass = (note?: string): Verdict => ({ outcome: 'PASS', ...(note && { note }) });
export const fail = (seen: string): Verdict => ({ outcome: 'FAIL', seen });

/** A verdict from a list of failed expectations: PASS when it is empty. */
export const verdict = (problems: Array<string | false | undefined>): Verdict => {
  const found = problems.filter((p): p is string => typeof p === 'string');
  return found.length ? fail(found.join('; ')) : pass();
};

/** `expected` unless `actual` equals it. */
export const expectEqual = (what: string, actual: unknown, expected: unknown): string | undefined =>
  actual === expected ? undefined : `${what} ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`;

export interface CaseResult {
  case: Case;
  verdict: Verdict;
}

/** The one line a result prints as: `PASS|FAIL|SKIP <ID> <what> (<clause>)`. */
export function formatResult({ case: c, verdict: v }: CaseResult): string {
  const clause = c.differs && v.outcome === 'PASS' ? `${c.clause}; differs by ${c.differs}, at least as safe` : c.clause;
  const tail = v.outcome === 'FAIL' ? ` — ${v.seen}` : v.outcome === 'SKIP' ? ` — ${v.why}` : v.note ? ` — ${v.note}` : '';
  return `${v.outcome} ${c.id} ${c.what} (${clause})${tail}`;
}

/** Runs `cases` one after another (they share the deployment's state); an exception is that case's FAIL. */
export async function runCases(cases: readonly Case[], target: Target, skip: (c: Case) => string | undefined = () => undefined): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  const ordered = [...cases.filter((c) => !c.exhausts), ...cases.filter((c) => c.exhausts)];
  for (const c of ordered) {
    const why = skip(c) ?? (c.journey && !target.journey ? 'needs --pgo, --digid and --person (a PGO and a test DigiD the kit can drive)' : undefined);
    if (why) {
      results.push({ case: c, verdict: { outcome: 'SKIP', why } });
      continue;
    }
    let v: Verdict;
    try {
      v = await c.run(target);
    } catch (error) {
      v = fail(`error: ${error instanceof Error ? error.message : String(error)}`);
    }
    results.push({ case: c, verdict: v });
  }
  return results;
}

export function summary(results: readonly CaseResult[]): string {
  const count = (o: Verdict['outcome']) => results.filter((r) => r.verdict.outcome === o).length;
  return `${results.length} cases: ${count('PASS')} PASS, ${count('FAIL')} FAIL, ${count('SKIP')} SKIP`;
}
