// One world bot's record and how it is sampled: what it is (archetype, hub, network profile), its
// client and brain, and the counters the 1 s sampler accumulates (bytes in and out, robust to a
// connection's counters restarting on reconnect; interest bytes) with their marks at the
// measurement window's start and end; its verdict at the end; the bots' totals (simulated links,
// shots) and their input-to-ack latency histogram.

import type { WorldClient } from '../src/client/world-client.js';
import type { NetworkProfile } from '../src/net/simulator.js';
import type { SimulatedTransport } from '../src/net/transport-simulated.js';
import type { ArchetypeBrain, BotInput, PlayerArchetype } from '../src/world/archetypes.js';

export const SAMPLE_MS = 1000;
/** A bot that has no JOIN this long after connecting has failed to join. */
export const JOIN_TIMEOUT_MS = 15_000;
/** Rejected snapshots a bot may have before it counts as failed: this share of its snapshots, at least 2. */
const REJECT_ALLOWANCE = 0.005;
/** Input-to-ack latency buckets, 1 ms each (the last holds everything longer). */
const ACK_BUCKETS = 10_000;

/** A bot's counters at one moment (the window's start or end). */
export interface BotMark {
  bytesIn: number;
  bytesOut: number;
  interest: number;
  checked: number;
  mispredicted: number;
  snap: number;
  smooth: number;
  blend: number;
  teleport: number;
}

export interface Bot {
  index: number;
  archetype: PlayerArchetype;
  hub: number;
  profile: NetworkProfile | undefined;
  client: WorldClient | undefined;
  brain: ArchetypeBrain | undefined;
  input: BotInput;
  lastMoveX: number;
  lastMoveY: number;
  lastAim: number;
  lastButtons: number;
  startedAt: number;
  connectedAt: number;
  joinedAt: number;
  failed: string | undefined;
  disconnected: string | undefined;
  interrupts: number;
  transports: SimulatedTransport[];
  // Counters accumulated by the sampler (robust to a connection's counters restarting).
  bytesIn: number;
  bytesOut: number;
  lastConnIn: number;
  lastConnOut: number;
  interestIn: number;
  lastInterest: number;
  // At the window's start and end.
  mark: BotMark;
  end: BotMark;
  // The last progress sample.
  prevIn: number;
}

const emptyMark = (): BotMark => ({ bytesIn: 0, bytesOut: 0, interest: 0, checked: 0, mispredicted: 0, snap: 0, smooth: 0, blend: 0, teleport: 0 });

/** A bot not started yet. */
export function newBot(index: number, archetype: PlayerArchetype, hub: number, profile: NetworkProfile | undefined): Bot {
  return {
    index, archetype, hub, profile, client: undefined, brain: undefined,
    input: { moveX: 0, moveY: 0, aimRad: 0, fire: false, shoot: false }, lastMoveX: 0, lastMoveY: 0, lastAim: 0, lastButtons: 0,
    startedAt: -1, connectedAt: -1, joinedAt: -1, failed: undefined, disconnected: undefined, interrupts: 0, transports: [],
    bytesIn: 0, bytesOut: 0, lastConnIn: 0, lastConnOut: 0, interestIn: 0, lastInterest: 0,
    mark: emptyMark(), end: emptyMark(), prevIn: 0,
  };
}

/** Adds what the bot's connection moved since the last sample (every SAMPLE_MS) to its counters. */
export function sampleBot(bot: Bot): void {
  const c = bot.client;
  if (!c) return;
  const conn = c.net.net.connection;
  bot.bytesIn += conn.bytesIn >= bot.lastConnIn ? conn.bytesIn - bot.lastConnIn : conn.bytesIn;
  bot.bytesOut += conn.bytesOut >= bot.lastConnOut ? conn.bytesOut - bot.lastConnOut : conn.bytesOut;
  bot.lastConnIn = conn.bytesIn;
  bot.lastConnOut = conn.bytesOut;
  // The interest receiver's RateMeter keeps no total: count snapshot bytes by the view's.
  const interest = c.interest.bytesIn.perSecond;
  bot.interestIn += interest * (SAMPLE_MS / 1000);
  bot.lastInterest = interest;
}

/** The bot's counters now (its predictor's included). */
export function markOf(bot: Bot): BotMark {
  const s = bot.client?.predictor?.stats;
  return {
    bytesIn: bot.bytesIn, bytesOut: bot.bytesOut, interest: bot.interestIn,
    checked: s?.checked ?? 0, mispredicted: s?.mispredicted ?? 0,
    snap: s?.corrections.snap ?? 0, smooth: s?.corrections.smooth ?? 0, blend: s?.corrections.blend ?? 0, teleport: s?.corrections.teleport ?? 0,
  };
}

/** Input-to-ack latencies (the predictor's inputAckMs), in 1 ms buckets. */
export class AckLatencies {
  private readonly histogram = new Uint32Array(ACK_BUCKETS + 1);
  samples = 0;

  add(ms: number): void {
    this.histogram[Math.min(ACK_BUCKETS, Math.round(ms))]!++;
    this.samples++;
  }

  /** The `q` quantile, ms (0 without samples). */
  quantile(q: number): number {
    if (this.samples === 0) return 0;
    let seen = 0;
    for (let i = 0; i <= ACK_BUCKETS; i++) {
      seen += this.histogram[i]!;
      if (seen > q * this.samples) return i;
    }
    return ACK_BUCKETS;
  }
}

/** Why a bot that had not failed before counts as failed at the end of the window (`nowMs`), or undefined. */
export function endVerdict(bot: Bot, watch: boolean, nowMs: number): string | undefined {
  const c = bot.client;
  if (!c) return 'never started';
  if (bot.disconnected) return `disconnected (${bot.disconnected})`;
  if (c.net.state !== 'connected') return `not connected at the end (${c.net.state})`;
  if (bot.joinedAt < 0) return nowMs - bot.connectedAt > JOIN_TIMEOUT_MS ? 'no JOIN' : 'no JOIN yet';
  if (!watch && !c.running) return 'never ran (no OWN state)';
  if (watch && c.interest.snapshots === 0) return 'never ran (no snapshot)';
  const rejected = c.interest.rejected;
  if (rejected > Math.max(2, REJECT_ALLOWANCE * c.interest.snapshots)) return `${rejected} rejected snapshots of ${c.interest.snapshots}`;
  return undefined;
}

/** What the bots' simulated links carried and lost, both ways, and their overflow. */
export function linkTotals(bots: readonly Bot[]): { sent_up: number; lost_up: number; sent_down: number; lost_down: number; overflow: number } {
  const link = { sent_up: 0, lost_up: 0, sent_down: 0, lost_down: 0, overflow: 0 };
  for (const b of bots) {
    for (const t of b.transports) {
      link.sent_up += t.up.stats.sent;
      link.lost_up += t.up.stats.lost;
      link.sent_down += t.down.stats.sent;
      link.lost_down += t.down.stats.lost;
      link.overflow += t.overflow;
    }
  }
  return link;
}

/** The bots' brains' shots: all, hitscan at a body in view, projectiles. */
export function shotTotals(bots: readonly Bot[]): { total: number; hitscan: number; projectiles: number } {
  const shots = { total: 0, hitscan: 0, projectiles: 0 };
  for (const b of bots) {
    if (!b.brain) continue;
    shots.total += b.brain.counters.shots;
    shots.hitscan += b.brain.counters.aimedShots;
    shots.projectiles += b.brain.counters.projectiles;
  }
  return shots;
}
