// npm run load -- [--clients 2000] [--ramp 20s] [--seconds 60]
//                 [--url URL] [--processes N] [--npcs N] [--workers N] [--json]
// The load test a studio runs before launch. It starts a world-mode server (or targets one with
// --url), ramps bot clients in over --ramp, spread over several bot processes so the bots are not
// the bottleneck, holds them for --seconds, and reports what the SERVER did (from its own
// /metrics and its process CPU time, not from the bots) beside what the clients saw. A live line
// every 2 s: connected, ticks/s, tick p99, bytes/s, failures.
// The server is the arena shooter as `npm start` runs it (examples/arena-shooter: a declared game,
// its rules in its own module; --game arena-shooter names it, the only game here) and its bots in
// load mode (runDeclaredLoad: the real loopback link, no prediction).
// With --json, one JSON document on stdout:
//   { players, seconds, server_ticks_per_sec, server_tick_p50_ms, server_tick_p99_ms,
//     server_cpu_us_per_player_tick, server_rss_bytes_per_player, client_bytes_per_sec_p50,
//     client_bytes_per_sec_p99, corrections_pct, rtt_p99_ms, server_view_mean,
//     server_views_narrowed_pct, failures } (corrections_pct null: these bots predict nothing)
// Exit 1 when the server fell below 59 ticks/s over the window or any client failed.

import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const LIVE_EVERY_MS = 2000;
/** A bot process takes at most this many clients (one core keeps ~600 bots at real time here). */
const BOTS_PER_PROCESS = 500;
const MIN_TICKS_PER_SEC = 59;

function fail(message: string): never {
  process.stderr.write(`load: ${message}\n`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
    options: {
      url: { type: 'string' },
      game: { type: 'string', default: 'arena-shooter' },
      clients: { type: 'string', default: '500' },
      ramp: { type: 'string', default: '20s' },
      seconds: { type: 'string', default: '60' },
      processes: { type: 'string' },
      npcs: { type: 'string' },
      workers: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
} catch (err) {
  fail((err as Error).message);
}
const v = parsed.values;
if (v.help) {
  process.stdout.write(`Usage: npm run load -- [options]

Starts a world-mode server (or targets --url), ramps bots in over several processes, holds them,
and reports the server's own figures: ticks/s, tick p50/p99, CPU per player per tick, memory per
player; and the clients': bytes/s, corrections, RTT, failures. Exit 1 below ${MIN_TICKS_PER_SEC} ticks/s or on any failure.

  --game <name>      arena-shooter (the default and the only one: the example game npm start
                     runs, a declared game with its own module)
  --clients <n>      bot clients (default 500)
  --ramp <duration>  spread their connections over this (default 20s)
  --seconds <s>      hold them this long after the ramp, the measurement window (default 60)
  --processes <n>    bot processes (default: one per ${BOTS_PER_PROCESS} clients)
  --url <url>        a running server instead of starting one
  --npcs <n>         NPCs of the started server (default: its own, 100,000)
  --workers <n>      network workers of the started server (default: its own, the core count)
  --json             the report as one JSON document on stdout (progress on stderr)
`);
  process.exit(0);
}
const game = v.game!;
if (game !== 'arena-shooter') fail(`--game is arena-shooter (the engine holds no game of its own any more), got ${game}`);
const clients = Number(v.clients);
if (!Number.isInteger(clients) || clients < 1 || clients > 100_000) fail(`--clients needs an integer in [1, 100000], got ${v.clients}`);
const seconds = Number(v.seconds);
if (!(seconds > 0) || seconds > 86_400) fail(`--seconds needs a positive number of seconds, got ${v.seconds}`);
const rampMs = parseDuration(v.ramp!);
const processes = v.processes !== undefined ? Number(v.processes) : Math.max(1, Math.ceil(clients / BOTS_PER_PROCESS));
if (!Number.isInteger(processes) || processes < 1 || processes > 256) fail(`--processes needs an integer in [1, 256], got ${v.processes}`);
const log = (line: string) => (v.json ? process.stderr : process.stdout).write(line + '\n');

function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!m) fail(`--ramp needs a duration like 20s, 500ms or 2m, got ${text}`);
  const n = Number(m[1]);
  return m[2] === 'ms' ? n : m[2] === 'm' ? n * 60_000 : n * 1000;
}

// ---- the server ----------------------------------------------------------------------------

interface Scrape {
  atMs: number;
  ticks: number;
  cpuS: number;
  rssBytes: number;
  players: number;
  bytesOut: number;
  tickP50: number;
  tickP99: number;
  buckets: Map<number, number>;
  /** A declared game's DeclaredInterest: views computed, entities handed over in them, views narrowed in a crowd. */
  views: number;
  viewEntities: number;
  viewsNarrowed: number;
}

async function scrape(url: string): Promise<Scrape> {
  const text = await (await fetch(new URL('/metrics', url))).text();
  const one = (name: string, labels = ''): number => {
    const re = new RegExp(`^${name}${labels ? `\\{${labels}\\}` : ''} ([0-9.e+-]+)$`, 'm');
    const m = re.exec(text);
    return m ? Number(m[1]) : 0;
  };
  const sum = (name: string): number => {
    let s = 0;
    for (const m of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'gm'))) s += Number(m[1]);
    return s;
  };
  const buckets = new Map<number, number>();
  for (const m of text.matchAll(/^chronos_tick_duration_seconds_bucket\{le="([^"]+)"\} ([0-9.e+-]+)$/gm)) buckets.set(m[1] === '+Inf' ? Infinity : Number(m[1]), Number(m[2]));
  return {
    atMs: performance.now(),
    ticks: one('chronos_ticks_total'),
    cpuS: one('chronos_process_cpu_seconds_total'),
    rssBytes: one('chronos_process_resident_memory_bytes'),
    players: one('chronos_players'),
    bytesOut: sum('chronos_net_bytes_total') + sum('chronos_net_worker_bytes_total'),
    tickP50: one('chronos_tick_seconds', 'quantile="0.5"') * 1000,
    tickP99: one('chronos_tick_seconds', 'quantile="0.99"') * 1000,
    buckets,
    views: sum('chronos_declared_views_total'),
    viewEntities: one('chronos_declared_view_entities_total'),
    viewsNarrowed: one('chronos_declared_views_narrowed_total'),
  };
}

/** The tick quantile `q` between two scrapes, from the histogram's bucket counts (linear within a bucket), ms. */
function histogramQuantile(a: Scrape, b: Scrape, q: number): number {
  const bounds = [...b.buckets.keys()].sort((x, y) => x - y);
  const total = (b.buckets.get(Infinity) ?? 0) - (a.buckets.get(Infinity) ?? 0);
  if (total <= 0) return 0;
  let prevBound = 0;
  let prevCount = 0;
  for (const bound of bounds) {
    const count = (b.buckets.get(bound) ?? 0) - (a.buckets.get(bound) ?? 0);
    if (count >= q * total) {
      if (!Number.isFinite(bound)) return prevBound * 1000;
      const within = count - prevCount;
      const f = within > 0 ? (q * total - prevCount) / within : 0;
      return (prevBound + (bound - prevBound) * f) * 1000;
    }
    prevBound = bound;
    prevCount = count;
  }
  return prevBound * 1000;
}

async function startServer(): Promise<{ url: string; child: ChildProcess }> {
  const room = String(Math.max(1000, Math.ceil(clients * 1.1)));
  const args = ['--import', 'tsx', 'examples/arena-shooter/server.ts', '--host', '127.0.0.1', '--http-port', '0', '--udp-port', '0', '--max-players', room];
  if (v.npcs !== undefined) args.push('--npcs', v.npcs);
  if (v.workers !== undefined) args.push('--net-workers', v.workers);
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start in 60 s: ${stderr}`)), 60_000);
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      log(`  server: ${line}`);
      const m = /page\s+(http:\/\/[^\s]+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!.replace('localhost', '127.0.0.1'));
      }
    });
    child.once('exit', (code) => reject(new Error(`the server exited (${code}): ${stderr}`)));
  });
  return { url, child };
}

// ---- the bots ------------------------------------------------------------------------------

interface BotProcess {
  child: ChildProcess;
  clients: number;
  connected: number;
  players: number;
  failures: number;
  report: BotReport | undefined;
  exitCode: number | null;
}

interface BotReport {
  connected: number;
  players: number;
  checked: number;
  mispredicted: number;
  failures: number;
  failure_reasons: Record<string, number>;
  samples: { rtt_ms: number[]; bytes_in_per_s: number[] };
}

function startBots(url: string): BotProcess[] {
  const out: BotProcess[] = [];
  let first = 0;
  for (let i = 0; i < processes; i++) {
    const n = Math.floor(clients / processes) + (i < clients % processes ? 1 : 0);
    if (n === 0) continue;
    const args = [
      '--import', 'tsx', 'examples/arena-shooter/bots.ts', '--url', url, '--players', String(n), '--first-index', String(first),
      '--ramp-ms', String(rampMs), '--seconds', String(seconds), '--json',
    ];
    first += n;
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const bot: BotProcess = { child, clients: n, connected: 0, players: 0, failures: 0, report: undefined, exitCode: null };
    let json = '';
    child.stdout!.on('data', (d: Buffer) => (json += d.toString()));
    createInterface({ input: child.stderr! }).on('line', (line) => {
      const m = /(\d+)\/\d+ connected, (\d+) players.*failures (\d+)/.exec(line);
      if (m) {
        bot.connected = Number(m[1]);
        bot.players = Number(m[2]);
        bot.failures = Number(m[3]);
      } else if (/^bots: /.test(line)) log(`  bots ${i}: ${line}`);
    });
    child.once('exit', (code) => {
      bot.exitCode = code;
      try {
        bot.report = JSON.parse(json) as BotReport;
      } catch {
        bot.report = undefined;
      }
    });
    out.push(bot);
  }
  return out;
}

function quantile(values: number[], q: number): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

// ---- the run -------------------------------------------------------------------------------

const server = v.url ? { url: v.url, child: undefined } : await startServer();
let serverGone = false;
server.child?.once('exit', () => (serverGone = true));
const stopServer = () => {
  if (server.child && !serverGone) server.child.kill('SIGTERM');
};
process.once('SIGINT', () => {
  stopServer();
  process.exit(130);
});

try {
  const idle = await scrape(server.url);
  log(`load: the arena shooter, ${clients} clients over ${processes} bot process(es), ramp ${rampMs / 1000} s, window ${seconds} s, against ${server.url} (${availableParallelism()} cores here)`);
  const bots = startBots(server.url);
  const startedMs = performance.now();
  let last = idle;
  let windowStart: Scrape | undefined;
  const live = setInterval(() => {
    scrape(server.url).then((s) => {
      const dt = (s.atMs - last.atMs) / 1000;
      const connected = bots.reduce((n, b) => n + b.connected, 0);
      const failures = bots.reduce((n, b) => n + b.failures, 0);
      log(
        `  t=${Math.round((s.atMs - startedMs) / 1000)} s: ${connected}/${clients} connected, ${s.players} players, ` +
          `${((s.ticks - last.ticks) / dt).toFixed(1)} ticks/s, tick p99 ${s.tickP99.toFixed(1)} ms, ` +
          `${((s.bytesOut - last.bytesOut) / dt / 1024).toFixed(0)} KiB/s out, failures ${failures}`,
      );
      last = s;
      if (!windowStart && s.atMs - startedMs >= rampMs) windowStart = s;
    }, () => undefined);
  }, LIVE_EVERY_MS);
  await new Promise<void>((resolve) => {
    const check = setInterval(() => {
      if (bots.every((b) => b.exitCode !== null) || serverGone) {
        clearInterval(check);
        resolve();
      }
    }, 200);
  });
  clearInterval(live);
  const end = await scrape(server.url).catch(() => last);
  const start = windowStart ?? idle;
  const windowS = Math.max(1e-3, (end.atMs - start.atMs) / 1000);
  const reports = bots.map((b) => b.report).filter((r): r is BotReport => r !== undefined);
  const rtts = reports.flatMap((r) => r.samples.rtt_ms);
  const bytesIn = reports.flatMap((r) => r.samples.bytes_in_per_s);
  const checked = reports.reduce((n, r) => n + r.checked, 0);
  const mispredicted = reports.reduce((n, r) => n + r.mispredicted, 0);
  const players = reports.reduce((n, r) => n + r.players, 0);
  const failures = reports.reduce((n, r) => n + r.failures, 0) + bots.filter((b) => !b.report).reduce((n, b) => n + b.clients, 0);
  const ticks = end.ticks - start.ticks;
  const ticksPerSec = ticks / windowS;
  const meanPlayers = Math.max(1, (start.players + end.players) / 2);
  const views = end.views - start.views;
  const result = {
    players,
    seconds: Math.round(windowS * 10) / 10,
    server_ticks_per_sec: Math.round(ticksPerSec * 100) / 100,
    server_tick_p50_ms: Math.round(histogramQuantile(start, end, 0.5) * 100) / 100,
    server_tick_p99_ms: Math.round(histogramQuantile(start, end, 0.99) * 100) / 100,
    server_cpu_us_per_player_tick: ticks > 0 ? Math.round((((end.cpuS - start.cpuS) * 1e6) / (ticks * meanPlayers)) * 100) / 100 : 0,
    server_rss_bytes_per_player: players > 0 ? Math.round((end.rssBytes - idle.rssBytes) / players) : 0,
    client_bytes_per_sec_p50: Math.round(quantile(bytesIn, 0.5)),
    client_bytes_per_sec_p99: Math.round(quantile(bytesIn, 0.99)),
    // The arena shooter's bots predict nothing: no corrections to count.
    corrections_pct: checked > 0 ? Math.round(((100 * mispredicted) / checked) * 1000) / 1000 : null,
    rtt_p99_ms: Math.round(quantile(rtts, 0.99) * 10) / 10,
    // The game's views: entities in one, and the share narrowed in a crowd.
    server_view_mean: views === 0 ? null : Math.round(((end.viewEntities - start.viewEntities) / views) * 10) / 10,
    server_views_narrowed_pct: views === 0 ? null : Math.round(((100 * (end.viewsNarrowed - start.viewsNarrowed)) / views) * 10) / 10,
    failures,
  };
  const ok = ticksPerSec >= MIN_TICKS_PER_SEC && failures === 0 && !serverGone;
  if (v.json) process.stdout.write(JSON.stringify(result) + '\n');
  else {
    log('load: report');
    for (const [k, value] of Object.entries(result)) log(`  ${k.padEnd(32)} ${value}`);
    log(ok ? 'load: ok' : `load: FAILED (${ticksPerSec < MIN_TICKS_PER_SEC ? `${ticksPerSec.toFixed(1)} ticks/s < ${MIN_TICKS_PER_SEC}` : ''}${failures ? ` ${failures} client failures` : ''}${serverGone ? ' the server exited' : ''})`);
  }
  stopServer();
  process.exit(ok ? 0 : 1);
} catch (err) {
  process.stderr.write(`load: ${(err as Error).message}\n`);
  stopServer();
  process.exit(1);
}
