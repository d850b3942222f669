// npm run bench [-- SUITE...] [-- --json] [--time=MS] [--check]
// Runs the named suites (all by default). Without --json it prints a table with each case's
// ratio to its best peer; with --json it prints ONE JSON document on stdout:
// {"suite": "...", "results": [{"case","impl","mean_ns","p99_ns","samples","metrics", ...}]}
// --check: the bench gate. Each case's ratio to its best peer is compared with its floor in
// bench/floors.json; the report follows the table (stderr with --json) and the exit status is 1
// if any ratio is below its floor (ratios, not absolute times, so the gate holds on a slower or busier machine).

import { readFileSync } from 'node:fs';
import { SUITES } from './suites.js';
import { formatNs, type CaseResult, type SuiteContext } from './harness.js';

const DEFAULT_TIME_MS = 1000;

function parseArgs(argv: string[]): { suites: string[]; json: boolean; timeMs: number; check: boolean } {
  const suites: string[] = [];
  let json = false;
  let check = false;
  let timeMs = DEFAULT_TIME_MS;
  for (const arg of argv) {
    if (arg === '--') continue;
    if (arg === '--json') json = true;
    else if (arg === '--check') check = true;
    else if (arg.startsWith('--time=')) timeMs = Number(arg.slice('--time='.length));
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write(`usage: npm run bench [-- SUITE...] [-- --json] [--time=MS] [--check]\nsuites: ${Object.keys(SUITES).join(', ')}\n`);
      process.exit(0);
    } else if (arg.startsWith('-')) throw new Error(`unknown option ${arg}`);
    else suites.push(arg);
  }
  if (!Number.isFinite(timeMs) || timeMs <= 0) throw new Error('--time needs a positive number of milliseconds');
  for (const s of suites) if (!(s in SUITES)) throw new Error(`unknown suite "${s}" (suites: ${Object.keys(SUITES).join(', ')})`);
  return { suites: suites.length > 0 ? suites : Object.keys(SUITES), json, timeMs, check };
}

/**
 * For each case: our median over the best peer's (>1 means chronos is faster). Impls named
 * `chronos-<variant>` are other configurations of ours (e.g. more lanes), shown, never peers.
 */
export function ratios(results: CaseResult[]): { suite: string; case: string; bestPeer: string; speedup: number }[] {
  // By suite and case: two suites may measure a case of the same name (encode-1k in interest and game).
  const byCase = new Map<string, CaseResult[]>();
  for (const r of results) byCase.set(`${r.suite}/${r.case}`, [...(byCase.get(`${r.suite}/${r.case}`) ?? []), r]);
  const out: { suite: string; case: string; bestPeer: string; speedup: number }[] = [];
  for (const rows of byCase.values()) {
    const ours = rows.find((r) => r.impl === 'chronos');
    const peers = rows.filter((r) => r.impl !== 'chronos' && !r.impl.startsWith('chronos-')).sort((a, b) => a.median_ns - b.median_ns);
    if (ours && peers[0]) out.push({ suite: ours.suite, case: ours.case, bestPeer: peers[0].impl, speedup: peers[0].median_ns / ours.median_ns });
  }
  return out;
}

const FLOORS_URL = new URL('./floors.json', import.meta.url);

/**
 * The bench gate: every measured ratio that has a floor must reach it. Returns the report's
 * lines and whether all passed. Cases without a floor are listed, never failed; floors of cases
 * that did not run (another suite) are skipped.
 */
export function checkFloors(rs: ReturnType<typeof ratios>, floors: Record<string, number>): { lines: string[]; ok: boolean } {
  const lines = ['', 'bench gate: chronos vs best peer (median ratio) against bench/floors.json'];
  let ok = true;
  for (const r of rs) {
    // A floor keyed `suite/case` wins over one keyed by the case alone.
    const floor = floors[`${r.suite}/${r.case}`] ?? floors[r.case];
    if (floor === undefined) {
      lines.push(`  ${`${r.suite}/${r.case}`.padEnd(30)} ${r.speedup.toFixed(2).padStart(8)}x  (no floor)`);
      continue;
    }
    const pass = r.speedup >= floor;
    if (!pass) ok = false;
    lines.push(`  ${`${r.suite}/${r.case}`.padEnd(30)} ${r.speedup.toFixed(2).padStart(8)}x  floor ${floor.toFixed(2).padStart(6)}x  ${pass ? 'ok' : 'BELOW'}  vs ${r.bestPeer}`);
  }
  lines.push(ok ? 'bench gate: every ratio at or above its floor' : 'bench gate: FAILED (a ratio fell below its floor)');
  return { lines, ok };
}

function loadFloors(): Record<string, number> {
  const doc = JSON.parse(readFileSync(FLOORS_URL, 'utf8')) as { floors: Record<string, number> };
  for (const [name, v] of Object.entries(doc.floors)) {
    if (typeof v !== 'number' || !(v > 0)) throw new Error(`bench/floors.json: floor of ${name} must be a positive number`);
  }
  return doc.floors;
}

async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`bench: ${(err as Error).message}\n`);
    process.exit(2);
  }
  const floors = args.check ? loadFloors() : {};
  const ctx: SuiteContext = { timeMs: args.timeMs, log: (line) => process.stderr.write(line + '\n') };
  const results: CaseResult[] = [];
  for (const name of args.suites) {
    const suite = await SUITES[name]!();
    ctx.log(`suite ${suite.name}: ${suite.description}`);
    results.push(...(await suite.run(ctx)));
  }
  const gate = args.check ? checkFloors(ratios(results), floors) : undefined;
  if (gate && !gate.ok) process.exitCode = 1;
  // With --json the report goes to stderr: stdout stays one JSON document.
  if (gate && args.json) process.stderr.write(gate.lines.join('\n') + '\n');
  if (args.json) {
    process.stdout.write(JSON.stringify({ suite: args.suites.join(','), results }, null, 2) + '\n');
    return;
  }
  const lines = ['', 'case                   impl               median       mean        p99  samples  metrics'];
  for (const r of results) {
    const metrics = Object.entries(r.metrics)
      .map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toPrecision(4)}`)
      .join(' ');
    lines.push(
      `${r.case.padEnd(22)} ${r.impl.padEnd(18)} ${formatNs(r.median_ns).padStart(10)} ${formatNs(r.mean_ns).padStart(10)} ${formatNs(r.p99_ns).padStart(10)} ${String(r.samples).padStart(8)}  ${metrics}`,
    );
  }
  const rs = ratios(results);
  if (rs.length > 0) {
    lines.push('', 'chronos vs best peer (median ratio; >1 = chronos faster)');
    for (const r of rs) lines.push(`  ${`${r.suite}/${r.case}`.padEnd(30)} ${r.speedup.toFixed(2).padStart(8)}x  vs ${r.bestPeer}`);
  }
  if (gate) lines.push(...gate.lines);
  process.stdout.write(lines.join('\n') + '\n');
}

await main();
