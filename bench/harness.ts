// Shared benchmark plumbing. A suite measures cases with `measure`; every case is measured the
// same way for our engine and its peers (same case name, `impl` tells them apart), so ratios
// come from one run on one machine. Times are per call of the measured function, in ns.

import { Bench } from 'tinybench';

export interface CaseResult {
  suite: string;
  case: string;
  impl: string;
  mean_ns: number;
  median_ns: number;
  p99_ns: number;
  samples: number;
  metrics: Record<string, number>;
}

export interface SuiteContext {
  /** Milliseconds each case runs for (after warm-up). */
  timeMs: number;
  /** Progress lines for people (stderr, so --json stdout stays one document). */
  log(line: string): void;
}

export interface Suite {
  name: string;
  description: string;
  run(ctx: SuiteContext): Promise<CaseResult[]>;
}

export interface MeasureOptions {
  /** Extra figures for the result; `perOp` adds ns_per_<unit> from the median. */
  metrics?: Record<string, number>;
  perOp?: { count: number; unit: string };
  /** Runs before every sample (not timed), e.g. to undo what the last call changed. */
  beforeEach?: () => void;
}

export async function measure(
  ctx: SuiteContext,
  suite: string,
  caseName: string,
  impl: string,
  fn: () => unknown,
  options: MeasureOptions = {},
): Promise<CaseResult> {
  const bench = new Bench({ time: ctx.timeMs, warmupTime: Math.min(200, ctx.timeMs / 2), iterations: 20, throws: true });
  bench.add(`${caseName}/${impl}`, fn, options.beforeEach ? { beforeEach: options.beforeEach } : undefined);
  // tinybench decides whether a task is async by calling a plain function once and looking at
  // what it returns; a plain function that returns a promise is then awaited, but the probe
  // call's work (a message sent, say) is left in flight and skews every sample after it. Such
  // a task must be an `async` function, which tinybench recognises without calling it.
  if ((bench.tasks[0] as unknown as { async: boolean }).async && fn.constructor.name !== 'AsyncFunction') {
    throw new Error(`${caseName}/${impl}: the measured function returns a promise; make it an async function`);
  }
  await bench.run();
  const result = bench.tasks[0]!.result;
  if (!result || !('latency' in result)) throw new Error(`${caseName}/${impl}: no result`);
  const latency = result.latency;
  const medianNs = (latency.p50 ?? latency.mean) * 1e6;
  const metrics: Record<string, number> = { ...options.metrics };
  if (options.perOp) metrics[`ns_per_${options.perOp.unit}`] = medianNs / options.perOp.count;
  const row: CaseResult = {
    suite,
    case: caseName,
    impl,
    mean_ns: latency.mean * 1e6,
    median_ns: medianNs,
    p99_ns: (latency.p99 ?? latency.max) * 1e6,
    samples: latency.samples?.length ?? 0,
    metrics,
  };
  ctx.log(`  ${caseName.padEnd(22)} ${impl.padEnd(18)} median ${formatNs(row.median_ns).padStart(10)}  p99 ${formatNs(row.p99_ns).padStart(10)}`);
  return row;
}

export function formatNs(ns: number): string {
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(2)} us`;
  return `${ns.toFixed(1)} ns`;
}

/** Keeps a value alive so the JIT cannot drop the work that produced it. */
export let blackhole: unknown;
export function consume(value: unknown): void {
  blackhole = value;
}
