// Bots over several processes (Node only): one process's event loop runs a few hundred declared
// bots at 60 Hz (each decrypts and decodes its snapshots and thinks every tick: Skyworld's take
// about half a core a hundred, crowded at its spawn), so a load test of thousands runs
// the same bots script in several processes, each with its slice of the bots. forkBots() runs
// this script again in N children, each told its slice in CHRONOS_BOT_SLICE ("i/N"), relays
// their output line by line with the slice in front, and resolves with the worst exit code;
// botSlice() tells a script which bots are its own (all of them when it was not forked). Each
// child's DeclaredBots posts its totals to the parent once a second (reportSlice), and the
// parent prints them added up: "[all N] J/P joined · S snapshots/s · K KiB/s per player".
//
//   const processes = Number(flag('processes', '1'));
//   if (processes > 1 && !botSlice(players).forked) process.exit(await forkBots(processes));
//   const slice = botSlice(players);
//   const bots = await DeclaredBots.start({ ..., players: slice.players, firstIndex: slice.firstBot });

import { fork } from 'node:child_process';
import { createInterface } from 'node:readline';
import { ConfigError } from '../core/errors.js';

export const BOT_SLICE_ENV = 'CHRONOS_BOT_SLICE';
/** Most processes forkBots starts. */
export const MAX_BOT_PROCESSES = 64;

export interface BotSlice {
  /** Whether this process is one of forkBots' children. */
  readonly forked: boolean;
  /** This process's slice, 0-based, of `of`. */
  readonly index: number;
  readonly of: number;
  /** The global index of its first bot (its addresses and brains follow from it), and how many it runs. */
  readonly firstBot: number;
  readonly players: number;
}

/** Which of `players` bots this process runs: slice i of N takes an even share (the first ones one more). */
export function botSlice(players: number, env: Record<string, string | undefined> = process.env): BotSlice {
  const raw = env[BOT_SLICE_ENV];
  if (raw === undefined) return { forked: false, index: 0, of: 1, firstBot: 0, players };
  const m = /^(\d+)\/(\d+)$/.exec(raw);
  const index = m ? Number(m[1]) : -1;
  const of = m ? Number(m[2]) : 0;
  if (!m || of < 1 || of > MAX_BOT_PROCESSES || index >= of) throw new ConfigError(BOT_SLICE_ENV, `must be "i/N" with 0 <= i < N <= ${MAX_BOT_PROCESSES}, got ${raw}`);
  const base = Math.floor(players / of);
  const extra = players % of;
  return { forked: true, index, of, firstBot: index * base + Math.min(index, extra), players: base + (index < extra ? 1 : 0) };
}

/**
 * Runs the current script (process.argv[1], with the same arguments and Node options) in
 * `processes` children, each with CHRONOS_BOT_SLICE set to its slice; prints their output lines
 * as "[i/N] line" (`print`, default console.log); resolves with the worst exit code once all
 * have exited. SIGINT and SIGTERM are passed on to them.
 */
/** What a forked bots process posts to its parent once a second. */
export interface SliceTotals {
  readonly chronosBots: { readonly players: number; readonly joined: number; readonly snapshots: number; readonly snapshotBytes: number };
}

/**
 * In a process forkBots started: posts `read()` to the parent every second until the returned
 * stop is called (elsewhere: does nothing). DeclaredBots calls it; a script need not.
 */
export function reportSlice(read: () => SliceTotals['chronosBots']): () => void {
  if (process.env[BOT_SLICE_ENV] === undefined || typeof process.send !== 'function') return () => {};
  const timer = setInterval(() => {
    if (process.connected) process.send!({ chronosBots: read() } satisfies SliceTotals);
  }, 1000);
  timer.unref();
  return () => clearInterval(timer);
}

const isSliceTotals = (m: unknown): m is SliceTotals => typeof m === 'object' && m !== null && typeof (m as SliceTotals).chronosBots?.snapshots === 'number';

export async function forkBots(processes: number, print: (line: string) => void = console.log): Promise<number> {
  if (!Number.isInteger(processes) || processes < 1 || processes > MAX_BOT_PROCESSES) throw new ConfigError('processes', `must be an integer in [1, ${MAX_BOT_PROCESSES}], got ${String(processes)}`);
  const script = process.argv[1];
  if (!script) throw new ConfigError('processes', 'forkBots runs the current script again, and this process has none');
  const children = Array.from({ length: processes }, (_, i) =>
    fork(script, process.argv.slice(2), { env: { ...process.env, [BOT_SLICE_ENV]: `${i}/${processes}` }, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] }),
  );
  const pass = (signal: NodeJS.Signals) => () => {
    for (const c of children) c.kill(signal);
  };
  const onInt = pass('SIGINT');
  const onTerm = pass('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  // The children's latest totals, added up once a second.
  const latest: (SliceTotals['chronosBots'] | undefined)[] = children.map(() => undefined);
  children.forEach((child, i) => child.on('message', (m) => {
    if (isSliceTotals(m)) latest[i] = m.chronosBots;
  }));
  let last = { at: Date.now(), snapshots: 0, bytes: 0 };
  const summary = setInterval(() => {
    const have = latest.filter((t) => t !== undefined);
    if (have.length === 0) return;
    const sum = have.reduce((a, t) => ({ players: a.players + t.players, joined: a.joined + t.joined, snapshots: a.snapshots + t.snapshots, snapshotBytes: a.snapshotBytes + t.snapshotBytes }));
    const now = Date.now();
    const s = Math.max(1e-3, (now - last.at) / 1000);
    print(`[all ${processes}] ${sum.joined}/${sum.players} joined · ${((sum.snapshots - last.snapshots) / s).toFixed(0)} snapshots/s · ${((sum.snapshotBytes - last.bytes) / s / 1024 / Math.max(1, sum.joined)).toFixed(1)} KiB/s per player`);
    last = { at: now, snapshots: sum.snapshots, bytes: sum.snapshotBytes };
  }, 1000);
  try {
    const codes = await Promise.all(
      children.map((child, i) => {
        for (const stream of [child.stdout!, child.stderr!]) createInterface({ input: stream }).on('line', (line) => print(`[${i}/${processes}] ${line}`));
        return new Promise<number>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
      }),
    );
    return Math.max(...codes);
  } finally {
    clearInterval(summary);
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
}
