// InterestHost: interest management in the demo server. Every connection (player or spectator)
// is a client of one InterestPipeline over the game's world: a player sees from its avatar, a
// spectator from the camera centre its page reports (INTEREST_VIEWER). Each tick, after the game
// step and the spatial index update, every client gets the snapshot its budget allows — deltas
// against what it acknowledged — on INTEREST_SNAPSHOT_CHANNEL; the codec parameters, the AoI
// geometry and reliable events go on INTEREST_RELIABLE_CHANNEL (src/client/play-channels.ts).
// The integration contract this follows is at the top of src/interest/index.ts.

import { performance } from 'node:perf_hooks';
import type { Arena } from '../wasm/arena.js';
import type { World } from '../core/world.js';
import { DecodeError } from '../core/errors.js';
import type { ClientLink } from './client-link.js';
import type { SpatialIndex } from '../spatial/index.js';
import { InterestPipeline, worldSource, type ClientCounters } from '../interest/index.js';
import { decodeInterestAck, decodeInterestViewer, encodeInterestSetup, MAX_ACKS_PER_MESSAGE, MSG_INTEREST_ACK, MSG_INTEREST_VIEWER, type InterestSetup } from '../codec/interest-setup.js';
import { INTEREST_RELIABLE_CHANNEL, INTEREST_SNAPSHOT_CHANNEL } from '../client/play-channels.js';

export interface InterestHostOptions {
  /** AoI circle radius, metres. */
  radiusM: number;
  /** Largest snapshot per client per tick, bytes (the congestion budget is capped by it). */
  maxSnapshotBytes: number;
  maxClients: number;
  /** Threads sharing the per-client interest work (1: this thread alone). */
  lanes?: number;
}

/** 200 m: a few hundred NPCs around a player in the 10 km demo world, rings a page can show. */
export const DEFAULT_AOI_RADIUS_M = 200;
/** 4 KiB a tick (240 KiB/s at 60 Hz) at most; the connection's budget usually decides. */
export const DEFAULT_MAX_SNAPSHOT_BYTES = 4096;
/** Zones scaled to the 200 m AoI: 60 Hz within 15 m, 20 Hz within 60 m, 5 Hz within 130 m. */
const ZONE_FRACTIONS = { immediate: 0.075, near: 0.3, awareness: 0.65 } as const;

/** Broadcast event kinds of the demo: arena mode's player down (payload: the player number)... */
export const EVENT_PLAYER_DOWN = 1;
/** ...and world mode's avatar down (payload: its entity id, u32 little-endian). */
export const EVENT_AVATAR_DOWN = 2;

export type InterestDropReason = 'unknown_connection' | 'decode' | 'out_of_world' | 'not_a_spectator' | 'ack_flood' | 'wrong_channel';
/** Acks one client may queue per tick (it applies one snapshot a tick; resends double that). */
const MAX_ACKS_PER_TICK = 2 * MAX_ACKS_PER_MESSAGE;

/** Where a connection looks from: its avatar's slot, or a point (spectators). */
export type Viewer = { slot: number } | { x: number; y: number };

interface Client {
  readonly conn: ClientLink;
  readonly id: number;
  viewer: Viewer | undefined;
  bytesAtSecond: number;
  /** Acks queued since the last tick (bounded: a flood is a counted drop, not memory). */
  acksThisTick: number;
}

/** Cumulative figures for /metrics (clients that left included). */
export interface InterestHostTotals {
  bytes: number;
  messages: number;
  zoneUpdates: [number, number, number, number];
  enters: number;
  leaves: number;
  fulls: number;
  deltas: number;
  deferred: number;
}

export class InterestHost {
  readonly pipeline: InterestPipeline;
  readonly setup: InterestSetup;
  readonly drops: Record<InterestDropReason, number> = { unknown_connection: 0, decode: 0, out_of_world: 0, not_a_spectator: 0, ack_flood: 0, wrong_channel: 0 };
  private readonly options: InterestHostOptions;
  private readonly world: World;
  private readonly clients = new Map<ClientLink, Client>();
  /** The same clients by pipeline client id (reliable events name their recipients by id). */
  private readonly byId: (Client | undefined)[] = [];
  private readonly setupBytes: Uint8Array;
  /** Counters of clients that have left, so totals never go backwards. */
  private readonly retired: InterestHostTotals = emptyTotals();
  /** Milliseconds of the last tick's interest work (pipeline tick and sends). */
  lastTickMs = 0;
  /** Load shedding (OverloadGovernor): budgets scaled by this, round trips seen as at least this. */
  private budgetFactor = 1;
  private rttFloorMs = 0;
  /** Per-client bytes/s measured over the last second (observed into a histogram by metrics). */
  readonly perClientBytesPerSec: number[] = [];
  private ticksToSecond: number;
  /** Players whose going down was announced (until they are up again). */
  private readonly downPlayers = new Set<number>();
  private readonly tickHz: number;

  static async create(arena: Arena, world: World, index: SpatialIndex, tickHz: number, options: InterestHostOptions): Promise<InterestHost> {
    const r = options.radiusM;
    const pipeline = await InterestPipeline.create(arena, worldSource(world), index, {
      maxClients: options.maxClients,
      tickHz,
      maxSnapshotBytes: options.maxSnapshotBytes,
      defaultShape: { kind: 'circle', radiusM: r },
      zones: { immediateM: r * ZONE_FRACTIONS.immediate, nearM: r * ZONE_FRACTIONS.near, awarenessM: r * ZONE_FRACTIONS.awareness },
      lanes: options.lanes ?? 1,
    });
    return new InterestHost(pipeline, world, tickHz, options);
  }

  private constructor(pipeline: InterestPipeline, world: World, tickHz: number, options: InterestHostOptions) {
    this.pipeline = pipeline;
    this.world = world;
    this.options = options;
    this.tickHz = tickHz;
    this.ticksToSecond = tickHz;
    const o = pipeline.options;
    this.setup = {
      radiusM: options.radiusM, hysteresis: o.hysteresis, immediateM: o.zones.immediateM, nearM: o.zones.nearM, awarenessM: o.zones.awarenessM,
    };
    this.setupBytes = encodeInterestSetup(this.setup);
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /**
   * Makes `conn` a client seeing from `viewer` (again: a new view from full states, as after a
   * rejoin), and sends it what it needs to decode. A full pipeline leaves it without snapshots.
   */
  join(conn: ClientLink, viewer: Viewer): void {
    this.leave(conn);
    if (this.pipeline.clientCount >= this.options.maxClients) return;
    const id = this.pipeline.addClient(this.viewerOptions(viewer));
    const client: Client = { conn, id, viewer, bytesAtSecond: 0, acksThisTick: 0 };
    this.clients.set(conn, client);
    this.byId[id] = client;
    conn.send(INTEREST_RELIABLE_CHANNEL, this.pipeline.codecParamsBytes());
    conn.send(INTEREST_RELIABLE_CHANNEL, this.setupBytes);
  }

  /** Follows a new viewer (a player seated or unseated) without resetting the client's view. */
  follow(conn: ClientLink, viewer: Viewer): void {
    const client = this.clients.get(conn);
    if (!client) return this.join(conn, viewer);
    if (sameViewer(client.viewer, viewer)) return;
    client.viewer = viewer;
    this.pipeline.setViewer(client.id, this.viewerOptions(viewer));
  }

  viewerOf(conn: ClientLink): Viewer | undefined {
    return this.clients.get(conn)?.viewer;
  }

  /** Frees the connection's view (disconnect, lost link). */
  leave(conn: ClientLink): void {
    const client = this.clients.get(conn);
    if (!client) return;
    addCounters(this.retired, this.pipeline.clientCounters(client.id));
    this.pipeline.removeClient(client.id);
    this.clients.delete(conn);
    this.byId[client.id] = undefined;
  }

  /**
   * A message from a client: on INTEREST_SNAPSHOT_CHANNEL the snapshots its view applied
   * (INTEREST_ACK), on INTEREST_RELIABLE_CHANNEL a spectator's camera centre (INTEREST_VIEWER).
   */
  receive(conn: ClientLink, channel: number, bytes: Uint8Array): void {
    const client = this.clients.get(conn);
    if (!client) return void this.drops.unknown_connection++;
    const type = bytes[0];
    if ((type === MSG_INTEREST_ACK) !== (channel === INTEREST_SNAPSHOT_CHANNEL)) return void this.drops.wrong_channel++;
    try {
      if (type === MSG_INTEREST_ACK) this.receiveAcks(client, bytes);
      else if (type === MSG_INTEREST_VIEWER) this.receiveViewer(client, bytes);
      else this.drops.decode++;
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      this.drops.decode++;
    }
  }

  private receiveAcks(client: Client, bytes: Uint8Array): void {
    let seqs = 0;
    decodeInterestAck(bytes, () => seqs++);
    if (client.acksThisTick + seqs > MAX_ACKS_PER_TICK) return void this.drops.ack_flood++;
    client.acksThisTick += seqs;
    // The pipeline checks each seq against what it sent this client (unknown or old ones are counted there).
    decodeInterestAck(bytes, (seq) => this.pipeline.ackSeq(client.id, seq));
  }

  private receiveViewer(client: Client, bytes: Uint8Array): void {
    const [x, y] = decodeInterestViewer(bytes);
    const b = this.world.bounds;
    if (x < b.minX || x > b.maxX || y < b.minY || y > b.maxY) return void this.drops.out_of_world++;
    if (client.viewer && 'slot' in client.viewer) return void this.drops.not_a_spectator++;
    this.follow(client.conn, { x, y });
  }

  /**
   * Sheds load when the server is overloaded: every client's budget scaled by `budgetFactor`
   * and its round trip taken as at least `rttFloorMs`, which puts it in a slower network class
   * (lower zone rates). (1, 0) restores the configured behaviour.
   */
  shedLoad(budgetFactor: number, rttFloorMs: number): void {
    this.budgetFactor = budgetFactor;
    this.rttFloorMs = rttFloorMs;
  }

  /** One tick: budgets from the connections, the pipeline, each client's snapshot queued. Returns bytes queued. */
  publish(): number {
    const started = performance.now();
    const p = this.pipeline;
    const budgets = p.budgetBytes, rtts = p.rttMs;
    for (const c of this.clients.values()) {
      budgets[c.id] = Math.max(0, Math.floor(Math.min(this.options.maxSnapshotBytes, c.conn.budgetBytes()) * this.budgetFactor));
      rtts[c.id] = Math.max(c.conn.rttMs, this.rttFloorMs);
      c.acksThisTick = 0;
    }
    p.tick();
    let queued = 0;
    for (const c of this.clients.values()) {
      if (c.conn.state !== 'connected') continue;
      const bytes = p.snapshot(c.id);
      if (!bytes) continue;
      // Lent, not copied: the pipeline leaves these bytes alone until its next tick, after the flush.
      // Acknowledged by the client's view (INTEREST_ACK of the snapshot's seq), not by the
      // transport: a delivered snapshot the view did not apply must not become a baseline.
      if (c.conn.sendBorrowed(INTEREST_SNAPSHOT_CHANNEL, bytes) < 0) continue;
      queued += bytes.byteLength;
    }
    for (const { bytes, recipients } of p.reliableDeliveries()) {
      for (const id of recipients) this.byId[id]?.conn.send(INTEREST_RELIABLE_CHANNEL, bytes);
    }
    if (--this.ticksToSecond <= 0) this.sampleSecond();
    this.lastTickMs = performance.now() - started;
    return queued;
  }

  /**
   * Announces players going down as reliable events (EVENT_PLAYER_DOWN) to every client whose
   * viewer is within the AoI radius of where it happened; once per going down.
   */
  announceDowns(players: number, slotOf: (player: number) => number, isDown: (slot: number) => boolean): void {
    for (let p = 0; p < players; p++) {
      const slot = slotOf(p);
      const down = slot >= 0 && isDown(slot);
      if (down && !this.downPlayers.has(p)) {
        const [x, y, z] = this.world.positionOf(slot);
        this.pipeline.emit({ x, y, z, rangeM: this.setup.radiusM, kind: EVENT_PLAYER_DOWN, reliable: true, payload: Uint8Array.of(p) });
        this.downPlayers.add(p);
      } else if (!down) this.downPlayers.delete(p);
    }
  }

  /** A reliable event of `kind` with a u32 payload, to every client whose viewer is within the AoI radius of (x, y, z). */
  announceAt(x: number, y: number, z: number, kind: number, value: number): void {
    const payload = new Uint8Array(4);
    new DataView(payload.buffer).setUint32(0, value >>> 0, true);
    this.pipeline.emit({ x, y, z, rangeM: this.setup.radiusM, kind, reliable: true, payload });
  }

  /** Bytes each client was sent over the last second. */
  private sampleSecond(): void {
    this.ticksToSecond = this.tickHz;
    this.perClientBytesPerSec.length = 0;
    for (const c of this.clients.values()) {
      const bytes = this.pipeline.clientCounters(c.id).bytes;
      this.perClientBytesPerSec.push(bytes - c.bytesAtSecond);
      c.bytesAtSecond = bytes;
    }
  }

  /** Everything sent so far, clients that left included. */
  totals(): InterestHostTotals {
    const sum = { ...this.retired, zoneUpdates: [...this.retired.zoneUpdates] as InterestHostTotals['zoneUpdates'] };
    for (const c of this.clients.values()) addCounters(sum, this.pipeline.clientCounters(c.id));
    return sum;
  }

  health(): Record<string, unknown> {
    const t = this.totals();
    return {
      clients: this.clients.size,
      radiusM: this.setup.radiusM,
      tickMs: Math.round(this.lastTickMs * 1000) / 1000,
      bytes: t.bytes,
      updatesByZone: { immediate: t.zoneUpdates[0], near: t.zoneUpdates[1], awareness: t.zoneUpdates[2], background: t.zoneUpdates[3] },
      drops: this.drops,
    };
  }

  async dispose(): Promise<void> {
    await this.pipeline.dispose();
  }

  private viewerOptions(viewer: Viewer): { viewerSlot: number } | { position: [number, number, number] } {
    return 'slot' in viewer ? { viewerSlot: viewer.slot } : { position: [viewer.x, viewer.y, 0] };
  }
}

function sameViewer(a: Viewer | undefined, b: Viewer): boolean {
  if (!a) return false;
  if ('slot' in a) return 'slot' in b && a.slot === b.slot;
  return 'x' in b && a.x === b.x && a.y === b.y;
}

function emptyTotals(): InterestHostTotals {
  return { bytes: 0, messages: 0, zoneUpdates: [0, 0, 0, 0], enters: 0, leaves: 0, fulls: 0, deltas: 0, deferred: 0 };
}

function addCounters(into: InterestHostTotals, k: ClientCounters): void {
  into.bytes += k.bytes;
  into.messages += k.messages;
  into.enters += k.enters;
  into.leaves += k.leaves;
  into.fulls += k.fulls;
  into.deltas += k.deltas;
  into.deferred += k.deferred;
  for (let z = 0; z < 4; z++) into.zoneUpdates[z]! += k.zoneUpdates[z]!;
}
