// WorldHost: world mode on the server, the demo's default. Every connection that says HELLO to
// play gets an avatar in the one world (up to --max-clients: no seats, no masks); its inputs go
// through the InputAuthority, which hands the step at most one per tick plus a bounded catch-up;
// a SHOOT is judged by lag compensation against the server's history of every body near the
// shooter, rewound to what the shooter saw; and after each tick every player is sent its
// avatar's authoritative state with the last input applied (OWN). Everything else a client
// learns comes from interest management (InterestHost), which follows its avatar.
//
// Per tick (GameServer.runTick): tick() chooses the commands, judges the shots and steps the
// world; publish() then sends each player its OWN, marks players away whose link has been lost
// for AWAY_AFTER_S, and announces avatars going down within the AoI radius.
//
// Disconnect tiers (the seed's, on top of the network layer's session tiers):
// | link lost for | the avatar                                  | the client on return            |
// |---------------|---------------------------------------------|---------------------------------|
// | < 5 s         | stays as it was (no input: it stands)       | resumes: nothing lost           |
// | 5 - 30 s      | stays, marked away (FLAG_AWAY), velocity 0  | a new JOIN (same avatar), its   |
// |               |                                             | view rebuilt from full states   |
// | > 30 s        | removed from the world                      | a new session, a new avatar     |
//
// Idle players (idleTicks, --idle-seconds): a linked player that sends no INPUT for that long
// (a client whose game stopped while its network timer lives on; the page sends an input every
// other frame while it is open) loses its avatar and watches from where it stood; it says
// HELLO to play again. A lost link is the disconnect tiers' business, not idleness.
//
// Bounds: one avatar per connection, inputs bounded by the authority (queue, window, rate);
// HELLO (which costs a JOIN) at most once a second per connection; repeated input violations
// disconnect with Kicked. Every client message is checked, and a failure is a counted drop.

import { DecodeError } from '../core/errors.js';
import { FLAG_DEAD } from '../core/world-layout.js';
import type { ClientLink } from './client-link.js';
import type { LinkHandlers } from './net-workers.js';
import { DisconnectReason, SessionTier } from '../net/spec.js';
import { BUTTON_SHOOT, NO_TARGET } from '../codec/rollback-input.js';
import {
  decodeWorldHello, emptyOwnState, encodeOwnState, encodeWorldJoin, MSG_WORLD_HELLO, MSG_WORLD_INPUT, NO_AVATAR, OWN_BYTES, type WorldMode,
} from '../codec/world-messages.js';
import { WORLD_RELIABLE_CHANNEL, WORLD_STATE_CHANNEL } from '../client/play-channels.js';
import type { WorldGame } from '../world/world-game.js';
import { InputAuthority } from '../world/input-authority.js';
import { AvatarColumns } from '../world/own-state.js';
import { CMD_AIM, CMD_BUTTONS, CMD_BYTES, CMD_SLOT, CMD_TARGET, CMD_VIEW_DELAY } from '../world/commands.js';
import type { Viewer } from './interest-host.js';
import type { ShotVerdict } from '../rollback/lag-compensation.js';
import { worldPlayerInfo, type WorldHostCounters, type WorldPlayer, type WorldPlayerInfo } from './world-players.js';

export type { WorldDropReason, WorldHostCounters, WorldPlayer, WorldPlayerInfo } from './world-players.js';

/**
 * A shot is judged when its input is applied, one way after it was fired: that much of the
 * rewind (half the measured round trip, at most this) is not counted against the compensation
 * cap, which bounds how old the shooter's view was (render delay + one-way latency, 200 ms).
 */
const MAX_INBOUND_ALLOWANCE_MS = 100;

/** A lost link marks its avatar away after this long (the seed's first reconnect tier). */
export const AWAY_AFTER_S = 5;
/** HELLOs (each answered with a JOIN) from one connection: at most one a second. */
const HELLO_MIN_INTERVAL_S = 1;

export class WorldHost {
  readonly mode = 'world' as const;
  readonly game: WorldGame;
  readonly authority: InputAuthority;
  readonly maxPlayers: number;
  readonly counters: WorldHostCounters = {
    joins: 0, avatarsSpawned: 0, avatarsRemoved: 0, awayMarked: 0, resumed: 0, ownSent: 0, ownBytes: 0, shots: 0, idleUnseated: 0,
    drops: { unknown_connection: 0, wrong_channel: 0, unknown_type: 0, decode: 0, not_playing: 0, rate_limited: 0, world_full: 0 },
  };
  private readonly byConn = new Map<ClientLink, WorldPlayer>();
  private readonly freeIndices: number[] = [];
  private readonly columns: AvatarColumns;
  private readonly own = emptyOwnState();
  private readonly ownBytes = new Uint8Array(OWN_BYTES);
  private readonly awayAfterTicks: number;
  private readonly helloIntervalTicks: number;
  private bytesQueued = 0;
  private kick: ((link: ClientLink, reason: DisconnectReason) => void) | undefined;
  /** Avatars already announced as down (until they are up again). */
  private readonly downAnnounced = new Set<number>();
  /** The last hitscan verdict (for tools and tests). */
  lastShot: ShotVerdict | undefined;
  /** Called once per avatar going down (GameServer turns it into an interest event). */
  onAvatarDown: ((x: number, y: number, z: number, avatarId: number) => void) | undefined;

  /** Ticks without an INPUT before a linked player's avatar leaves the world (0: never). */
  private readonly idleTicks: number;

  constructor(game: WorldGame, options: { idleTicks?: number } = {}) {
    this.game = game;
    this.idleTicks = options.idleTicks ?? 0;
    this.maxPlayers = game.params.maxPlayers;
    this.authority = new InputAuthority({ maxPlayers: this.maxPlayers });
    for (let i = this.maxPlayers - 1; i >= 0; i--) this.freeIndices.push(i);
    this.columns = new AvatarColumns(game.world);
    const hz = game.world.options.tickHz;
    this.awayAfterTicks = Math.round(AWAY_AFTER_S * hz);
    this.helloIntervalTicks = Math.round(HELLO_MIN_INTERVAL_S * hz);
  }

  get world() {
    return this.game.world;
  }

  /** How to end a player's session (a kick): the network layer's, whichever thread owns the link. */
  attach(kick: (link: ClientLink, reason: DisconnectReason) => void): void {
    this.kick = kick;
  }

  /** Connections with an avatar. */
  get players(): number {
    return this.playing;
  }

  get playing(): number {
    let n = 0;
    for (const p of this.byConn.values()) if (p.slot >= 0) n++;
    return n;
  }

  get watching(): number {
    let n = 0;
    for (const p of this.byConn.values()) if (p.mode === 'watch') n++;
    return n;
  }

  get away(): number {
    let n = 0;
    for (const p of this.byConn.values()) if (p.away) n++;
    return n;
  }

  /** Connections the host tracks; for tests of cleanup. */
  get connections(): number {
    return this.byConn.size;
  }

  handlers(): LinkHandlers {
    return {
      connect: (conn, tier) => this.onConnect(conn, tier),
      interrupt: (conn) => this.onInterrupt(conn),
      disconnect: (conn) => this.onDisconnect(conn),
      message: (conn, channel, bytes) => this.onMessage(conn, channel, bytes),
    };
  }

  private onConnect(conn: ClientLink, tier: SessionTier): void {
    const existing = this.byConn.get(conn);
    if (existing && tier === SessionTier.New) {
      // The same link starting a new session: nothing of the old one survives.
      this.release(existing);
    } else if (existing) {
      // Back within 30 s: the avatar was kept. A resumed session goes on as it was; a reset one
      // says HELLO again and gets a JOIN for the same avatar.
      existing.lostAtTick = -1;
      existing.lastInputTick = this.game.tick; // the outage was not idleness
      if (existing.away) this.setAway(existing, false);
      this.counters.resumed++;
      return;
    }
    const index = this.freeIndices.pop();
    if (index === undefined) {
      // More connections than players (the network layer's cap is the same number, so this
      // does not happen in the demo): the connection is not tracked and its messages dropped.
      this.counters.drops.world_full++;
      return;
    }
    this.byConn.set(conn, { conn, index, mode: undefined, slot: -1, avatarId: NO_AVATAR, lostAtTick: -1, away: false, joinedAtTick: this.game.tick, lastHelloTick: -Infinity, lastInputTick: this.game.tick });
  }

  private onInterrupt(conn: ClientLink): void {
    const p = this.byConn.get(conn);
    if (p && p.lostAtTick < 0) p.lostAtTick = this.game.tick;
  }

  private onDisconnect(conn: ClientLink): void {
    const p = this.byConn.get(conn);
    if (p) this.release(p);
  }

  private release(p: WorldPlayer): void {
    this.removeAvatar(p);
    this.authority.closePlayer(p.index);
    this.byConn.delete(p.conn);
    this.freeIndices.push(p.index);
  }

  private removeAvatar(p: WorldPlayer): void {
    if (p.slot < 0) return;
    this.game.removeAvatar(p.slot);
    this.downAnnounced.delete(p.slot);
    this.counters.avatarsRemoved++;
    p.slot = -1;
    p.avatarId = NO_AVATAR;
    p.away = false;
  }

  private onMessage(conn: ClientLink, channel: number, bytes: Uint8Array): void {
    const p = this.byConn.get(conn);
    if (!p) return void this.counters.drops.unknown_connection++;
    const type = bytes.byteLength > 0 ? bytes[0] : -1;
    if (type === MSG_WORLD_INPUT) {
      if (channel !== WORLD_STATE_CHANNEL) return void this.counters.drops.wrong_channel++;
      if (p.slot < 0) return void this.counters.drops.not_playing++;
      p.lastInputTick = this.game.tick;
      if (this.authority.receive(p.index, bytes, this.game.tick)) this.kick?.(conn, DisconnectReason.Kicked);
      return;
    }
    if (type !== MSG_WORLD_HELLO) return void this.counters.drops.unknown_type++;
    if (channel !== WORLD_RELIABLE_CHANNEL) return void this.counters.drops.wrong_channel++;
    let hello;
    try {
      hello = decodeWorldHello(bytes);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      return void this.counters.drops.decode++;
    }
    const tick = this.game.tick;
    if (tick - p.lastHelloTick < this.helloIntervalTicks) return void this.counters.drops.rate_limited++;
    p.lastHelloTick = tick;
    this.admit(p, hello.mode, hello.hub);
  }

  /** Gives `p` what it asked for (an avatar, or a watching view) and sends its JOIN. */
  private admit(p: WorldPlayer, mode: WorldMode, hub: number): void {
    const same = mode === 'play' && p.slot >= 0;
    if (mode === 'watch') this.removeAvatar(p);
    else if (p.slot < 0) {
      const slot = this.game.spawnAvatar(hub >= 0 && hub < this.game.hubs.length ? hub : this.game.defaultHub());
      if (slot < 0) {
        // The world has no slot left: the connection watches instead.
        this.counters.drops.world_full++;
        mode = 'watch';
      } else {
        p.slot = slot;
        p.avatarId = this.game.entityIdOf(slot);
        this.counters.avatarsSpawned++;
        this.authority.openPlayer(p.index, 0, this.game.tick);
      }
    }
    if (mode === 'play' && same) this.authority.openPlayer(p.index, this.authority.lastAppliedOf(p.index), this.game.tick);
    p.mode = mode;
    p.joinedAtTick = this.game.tick;
    p.lastInputTick = this.game.tick;
    const w = this.game.world;
    const params = this.game.params;
    const join = encodeWorldJoin({
      mode,
      sameAvatar: same,
      avatarId: mode === 'play' ? p.avatarId : NO_AVATAR,
      serverTick: w.tick,
      lastAppliedSeq: mode === 'play' ? this.authority.lastAppliedOf(p.index) : 0,
      seed: params.world.seed,
      tickHz: params.world.tickHz,
      bounds: { ...params.world.bounds },
      rules: { ...params.rules },
      lagCompensation: { ...params.lagCompensation },
    });
    this.counters.joins++;
    this.send(p.conn, WORLD_RELIABLE_CHANNEL, join, true);
  }

  private send(conn: ClientLink, channel: number, bytes: Uint8Array, borrowed: boolean): void {
    const n = borrowed ? conn.sendBorrowed(channel, bytes) : conn.send(channel, bytes);
    if (n >= 0) this.bytesQueued += bytes.byteLength;
  }

  /** Payload bytes queued for clients since the last call (the server's bytes-out counter). */
  takeBytesQueued(): number {
    const n = this.bytesQueued;
    this.bytesQueued = 0;
    return n;
  }

  /**
   * One tick: each linked player's commands (at most one input, plus catch-up), their shots
   * judged by lag compensation, then the world's step.
   */
  tick(): void {
    const game = this.game;
    const tick = game.tick;
    const cmds = game.commands;
    const view = new DataView(game.arena.memoryBuffer, cmds.ptr, cmds.byteLength);
    const c = this.columns.refresh();
    let n = 0;
    for (const p of this.byConn.values()) {
      if (p.slot < 0 || p.lostAtTick >= 0) continue;
      const k = this.authority.take(p.index, view, n, p.slot, tick);
      if (k > 0 && (view.getUint8(n * CMD_BYTES + CMD_BUTTONS) & BUTTON_SHOOT) !== 0) this.judge(view, n, c, tick, p.conn.rttMs / 2);
      n += k;
    }
    game.step(n);
  }

  /** Lag compensation of command `i`'s SHOOT, when the step will fire it (living, weapon ready). */
  private judge(view: DataView, i: number, c: AvatarColumns, tick: number, oneWayMs: number): void {
    const o = i * CMD_BYTES;
    const slot = view.getUint32(o + CMD_SLOT, true);
    view.setUint32(o + CMD_TARGET, NO_TARGET, true);
    if (c.timer[slot] !== 0 || (c.flags[slot]! & FLAG_DEAD) !== 0) return;
    this.counters.shots++;
    const verdict = (this.lastShot = this.game.compensator.judge(tick, slot, c.posX[slot]!, c.posY[slot]!, view.getUint16(o + CMD_AIM, true), view.getUint16(o + CMD_VIEW_DELAY, true), Math.min(MAX_INBOUND_ALLOWANCE_MS, oneWayMs)));
    view.setUint32(o + CMD_TARGET, verdict.target, true);
  }

  /** After the step (and the spatial update): OWN to every player, away marks, downs announced. */
  publish(): void {
    const tick = this.game.tick;
    const c = this.columns.refresh();
    const own = this.own;
    own.serverTick = tick;
    for (const p of this.byConn.values()) {
      if (p.slot < 0) continue;
      if (p.lostAtTick >= 0) {
        if (!p.away && tick - p.lostAtTick >= this.awayAfterTicks) this.setAway(p, true);
        continue;
      }
      const dead = (c.flags[p.slot]! & FLAG_DEAD) !== 0;
      if (dead && !this.downAnnounced.has(p.slot)) {
        this.downAnnounced.add(p.slot);
        this.onAvatarDown?.(c.posX[p.slot]! / 65536, c.posY[p.slot]! / 65536, c.posZ[p.slot]! / 65536, p.avatarId);
      } else if (!dead) this.downAnnounced.delete(p.slot);
      if (p.conn.state !== 'connected' || p.mode !== 'play') continue;
      if (this.idleTicks > 0 && tick - p.lastInputTick > this.idleTicks) {
        this.counters.idleUnseated++;
        this.admit(p, 'watch', -1); // the avatar leaves; a JOIN says the connection watches
        continue;
      }
      c.read(p.slot, own);
      own.lastAppliedSeq = this.authority.lastAppliedOf(p.index);
      own.queued = this.authority.queuedOf(p.index);
      own.avatarId = p.avatarId;
      encodeOwnState(own, this.ownBytes);
      this.send(p.conn, WORLD_STATE_CHANNEL, this.ownBytes, false);
      this.counters.ownSent++;
      this.counters.ownBytes += OWN_BYTES;
    }
  }

  private setAway(p: WorldPlayer, away: boolean): void {
    if (p.slot < 0) return;
    this.game.setAway(p.slot, away);
    p.away = away;
    if (away) {
      this.counters.awayMarked++;
      const c = this.columns.refresh();
      c.velX[p.slot] = 0;
      c.velY[p.slot] = 0;
    }
  }

  /** The avatar slot `conn` plays, or -1 (watching, not joined). */
  avatarSlotOf(conn: ClientLink): number {
    return this.byConn.get(conn)?.slot ?? -1;
  }

  /** Where `conn`'s interest looks from: its avatar, or undefined (its camera decides). */
  viewerOf(conn: ClientLink): Viewer | undefined {
    const slot = this.avatarSlotOf(conn);
    return slot >= 0 ? { slot } : undefined;
  }

  playerInfo(): WorldPlayerInfo[] {
    const c = this.columns.refresh();
    const out: WorldPlayerInfo[] = [];
    for (const p of this.byConn.values()) if (p.slot >= 0) out.push(worldPlayerInfo(p, c, this.authority));
    return out;
  }

  health(): Record<string, number | string> {
    return { mode: 'world', tick: this.game.tick, players: this.playing, watching: this.watching, away: this.away, maxPlayers: this.maxPlayers, kills: this.kills };
  }

  get kills(): number {
    return this.game.kills;
  }
}
