// npm run bench [-- SUITE...] [-- --json] [--time=MS]
// Runs the named suites (all by default). Without --json it prints a table with each case's
// ratio to its best peer; with --json it prints ONE JSON document on stdout:
// {"suite": "...", "results": [{"case","impl","mean_ns","p99_ns","samples","metrics", ...}]}

import { SUITES } from './suites.js';
import { formatNs, type CaseResult, type SuiteContext } from './harness.js';

const DEFAULT_TIME_MS = 1000;

function parseArgs(argv: string[]): { suites: string[]; json: boolean; timeMs: number } {
  const suites: string[] = [];
  let json = false;
  let timeMs = DEFAULT_TIME_MS;
  for (const arg of argv) {
    if (arg === '--') continue;
    if (arg === '--json') json = true;
    else if (arg.startsWith('--time=')) timeMs = Number(arg.slice('--time='.length));
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write(`usage: npm run bench [-- SUITE...] [-- --json] [--time=MS]\nsuites: ${Object.keys(SUITES).join(', ')}\n`);
      process.exit(0);
    } else if (arg.startsWith('-')) throw new Error(`unknown option ${arg}`);
    else suites.push(arg);
  }
  if (!Number.isFinite(timeMs) || timeMs <= 0) throw new Error('--time needs a positive number of milliseconds');
  for (const s of suites) if (!(s in SUITES)) throw new Error(`unknown suite "${s}" (suites: ${Object.keys(SUITES).join(', ')})`);
  return { suites: suites.length > 0 ? suites : Object.keys(SUITES), json, timeMs };
}

/**
 * For each case: our median over the best peer's (>1 means chronos is faster). Impls named
 * `chronos-<variant>` are other configurations of ours (e.g. more lanes), shown, never peers.
 */
export function ratios(results: CaseResult[]): { case: string; bestPeer: string; speedup: number }[] {
  const byCase = new Map<string, CaseResult[]>();
  for (const r of results) byCase.set(r.case, [...(byCase.get(r.case) ?? []), r]);
  const out: { case: string; bestPeer: string; speedup: number }[] = [];
  for (const [name, rows] of byCase) {
    const ours = rows.find((r) => r.impl === 'chronos');
    const peers = rows.filter((r) => r.impl !== 'chronos' && !r.impl.startsWith('chronos-')).sort((a, b) => a.median_ns - b.median_ns);
    if (ours && peers[0]) out.push({ case: name, bestPeer: peers[0].impl, speedup: peers[0].median_ns / ours.median_ns });
  }
  return out;
}

async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`bench: ${(err as Error).message}\n`);
    process.exit(2);
  }
  const ctx: SuiteContext = { timeMs: args.timeMs, log: (line) => process.stderr.write(line + '\n') };
  const results: CaseResult[] = [];
  for (const name of args.suites) {
    const suite = await SUITES[name]!();
    ctx.log(`suite ${suite.name}: ${suite.description}`);
    results.push(...(await suite.run(ctx)));
  }
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
    for (const r of rs) lines.push(`  ${r.case.padEnd(22)} ${r.speedup.toFixed(2).padStart(8)}x  vs ${r.bestPeer}`);
  }
  process.stdout.write(lines.join('\n') + '\n');
}

await main();
