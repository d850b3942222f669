// What the socketless server benches (server.ts for world mode, game-serve.ts for a declared
// game) share: a server whose network workers run on the ring transport, ticked by hand so that
// one tick is timed from the workers opening the clients' packets, through the main thread's
// tick, to the workers having sealed and handed over every packet; and the row made of the
// ticks' costs.

import { performance } from 'node:perf_hooks';
import { RingPeers } from '../src/net/transport-ring.js';
import type { TokenIssuer } from '../src/net/connect-token.js';
import type { Transport } from '../src/net/transport.js';
import { STATS_WORDS, STAT_BYTES_OUT } from '../src/server/net-shard-protocol.js';
import type { NetWorkerShard } from '../src/server/net-workers.js';
import type { CaseResult } from './harness.js';

export interface TickCost {
  wallMs: number;
  /** The main thread's tick plus every worker's busy time. */
  cpuMs: number;
  mainMs: number;
}

export const percentile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

/** The ring peers of a server's workers and one timed tick of it. */
export function ringTicks(shards: readonly NetWorkerShard[], runTick: () => void, otherBusyMs: () => number = () => 0): { peers: RingPeers[]; tick: () => TickCost } {
  const peers = shards.map((s) => new RingPeers(s.packetsIn!, s.packetsOut!));
  const polls = shards.map((s) => s.polled);
  const flushes = shards.map((s) => s.flushed);
  const tick = (): TickCost => {
    const busy0 = shards.reduce((a, s) => a + s.busyMs, 0) + otherBusyMs();
    const t0 = performance.now();
    shards.forEach((s) => s.poll());
    shards.forEach((s, i) => s.waitFor('polled', ++polls[i]!));
    const m0 = performance.now();
    runTick();
    const mainMs = performance.now() - m0;
    shards.forEach((s, i) => s.waitFor('flushed', ++flushes[i]!));
    const wallMs = performance.now() - t0;
    return { wallMs, mainMs, cpuMs: mainMs + shards.reduce((a, s) => a + s.busyMs, 0) + otherBusyMs() - busy0 };
  };
  return { peers, tick };
}

/**
 * Player i's way in: a connect token from the server's issuer (the clients are the bench's own)
 * and its end of worker (i mod workers)'s ring, for `connect(token, transport)`.
 */
export function ringEntry(issuer: TokenIssuer, peers: readonly RingPeers[], i: number): { token: Uint8Array; transport: Transport } {
  const token = issuer.issue({ clientId: i + 1, serverAddresses: ['udp://ring:0'], expiresInS: 600 });
  return { token, transport: peers[i % peers.length]!.peer(i) };
}

/**
 * Ticks until every player has joined (at most 600, or a tick for every 5 players where that is
 * more: thousands of handshakes go through a few hundred a tick; else it throws), then
 * `warmupTicks` more.
 */
export function joinAndWarm(label: string, players: number, joined: () => number, clientsFrame: () => void, tick: () => TickCost, warmupTicks: number): void {
  const window = Math.max(600, Math.ceil(players / 5));
  for (let t = 0; t < window && joined() < players; t++) {
    clientsFrame();
    tick();
  }
  const n = joined();
  if (n < players) throw new Error(`${label}: only ${n} of ${players} players joined`);
  for (let t = 0; t < warmupTicks; t++) {
    clientsFrame();
    tick();
  }
}

/** The timed ticks: at least 20, up to 600 or four times the suite's time per case. */
export function collectTicks(timeMs: number, clientsFrame: () => void, tick: () => TickCost): TickCost[] {
  const costs: TickCost[] = [];
  const deadline = performance.now() + timeMs * 4;
  while (costs.length < 20 || (costs.length < 600 && performance.now() < deadline)) {
    clientsFrame();
    costs.push(tick());
  }
  return costs;
}

/** UDP payload bytes the workers have sent so far (every live link's). */
export function totalBytesOut(shards: readonly { links: unknown[]; stats: Float64Array }[]): number {
  let sum = 0;
  for (const s of shards) for (let i = 0; i < s.links.length; i++) if (s.links[i]) sum += s.stats[i * STATS_WORDS + STAT_BYTES_OUT]!;
  return sum;
}

/** A row of ticks' costs: wall time as the row's times; CPU and main-thread time per player, and `metrics`. */
export function tickRow(suite: string, caseName: string, impl: string, players: number, costs: readonly TickCost[], metrics: Record<string, number>): CaseResult {
  const wall = costs.map((c) => c.wallMs).sort((a, b) => a - b);
  const cpu = costs.map((c) => c.cpuMs).sort((a, b) => a - b);
  const main = costs.map((c) => c.mainMs).sort((a, b) => a - b);
  return {
    suite, case: caseName, impl,
    mean_ns: (wall.reduce((a, b) => a + b, 0) / wall.length) * 1e6,
    median_ns: percentile(wall, 0.5) * 1e6,
    p99_ns: percentile(wall, 0.99) * 1e6,
    samples: wall.length,
    metrics: {
      players,
      cpu_us_per_player_tick: (percentile(cpu, 0.5) * 1000) / players,
      main_thread_us_per_player_tick: (percentile(main, 0.5) * 1000) / players,
      ...metrics,
      ticks_per_sec_possible: 1000 / percentile(wall, 0.5),
    },
  };
}
