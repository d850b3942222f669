// A declared game's events (DeclaredServer.emit, and a room's rules in DeclaredRoomServer): an
// explosion, a kill, a chat line, sent reliably to every listener within its range of where it
// happened, the same bytes to each (the EVENT message of src/codec/broadcast-event.ts, encoded
// once) on the session's event channel (declared-channels.ts: reliable-ordered, yielding to
// snapshots under congestion; a room's: play-channels.ts ROOM_EVENT_CHANNEL). A player is in range by its
// avatar's place (the game's `positions` fields), a world's spectator by its camera; a room's
// spectator, who runs the whole room, hears everything. A connection that holds its channel's
// queue of events unacknowledged drops the next (counted): a client that stops acknowledging pins
// a bounded amount.

import { ConfigError, InvalidArgumentError } from '../core/errors.js';
import { fieldOf, type GameDeclaration } from '../core/game.js';
import type { GameStore } from '../core/game-store.js';
import { slotOf } from '../core/entity-id.js';
import { encodeEvent } from '../codec/broadcast-event.js';
import { DECLARED_EVENT_CHANNEL } from '../client/declared-channels.js';
import type { DeclaredGameModule } from './declared-game.js';

/** Who may hear an event: a connection and where it listens from. */
export interface EventListener {
  readonly link: { readonly state: string; sendBorrowed(channel: number, bytes: Uint8Array): number };
  /** A camera on the ground plane, metres (a world's spectator), or null: by its avatar. */
  readonly camera: { readonly xM: number; readonly yM: number } | null;
  /** The listener's avatar (an EntityId of the store); one not alive hears only events for everyone. */
  readonly avatar: number;
  /** Hears every event wherever it happened (a room's spectator runs the whole room). */
  readonly hearsAll?: boolean;
}

export interface DeclaredEvent {
  /** What happened, as the game numbers it (0 .. 255). */
  readonly kind: number;
  /** Where, metres (z: 0 when absent). */
  readonly x: number;
  readonly y: number;
  readonly z?: number;
  /** Who hears it: players within this many metres (Infinity: everyone). */
  readonly rangeM: number;
  /** The game's own bytes (at most 255). */
  readonly payload?: Uint8Array;
}

export interface EmitResult {
  /** Players it was queued for. */
  readonly sent: number;
  /** Players in range whose connection held too many events unacknowledged (counted in /metrics). */
  readonly dropped: number;
  /** Bytes queued in all (the message's, once per player it was queued for). */
  readonly bytes: number;
}

const NO_PAYLOAD = new Uint8Array(0);
const INV_Q16 = 1 / 65536;

export class DeclaredEvents<D extends GameDeclaration> {
  private readonly x: Int32Array | null;
  private readonly y: Int32Array | null;
  private readonly z: Int32Array | null;

  constructor(private readonly store: GameStore<D>, positions: DeclaredGameModule<D>['positions'], private readonly channel = DECLARED_EVENT_CHANNEL) {
    const column = (key: NonNullable<typeof positions>['x'] | undefined): Int32Array | null => {
      if (key === undefined) return null;
      const f = fieldOf(store.game, key);
      if (store.game.fields[f]!.spec.type !== 'q16') throw new ConfigError('positions', `${String(key)} is not a q16 field (positions are Q16.16 metres)`);
      return store.columns[f] as Int32Array;
    };
    this.x = column(positions?.x);
    this.y = column(positions?.y);
    this.z = column(positions?.z);
  }

  /** Queues `event` (from `tick`) for every listener in its range. InvalidArgumentError for a bad event, ConfigError for a ranged one without positions. */
  deliver(event: DeclaredEvent, tick: number, listeners: Iterable<EventListener>): EmitResult {
    const { kind, x, y, rangeM } = event;
    const z = event.z ?? 0;
    if (typeof rangeM !== 'number' || Number.isNaN(rangeM) || rangeM < 0) throw new InvalidArgumentError(`an event's rangeM is a distance (metres, Infinity: everyone), got ${String(rangeM)}`);
    for (const [name, v] of [['x', x], ['y', y], ['z', z]] as const) {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new InvalidArgumentError(`an event's ${name} must be a finite number of metres, got ${String(v)}`);
    }
    const everyone = rangeM === Infinity;
    if (!everyone && (this.x === null || this.y === null)) {
      throw new ConfigError('positions', 'the game module declares no positions: only events for everyone (rangeM Infinity) can be sent');
    }
    const bytes = encodeEvent({ kind, tick, x, y, z, rangeM, payload: event.payload ?? NO_PAYLOAD });
    const r2 = rangeM * rangeM;
    let sent = 0;
    let dropped = 0;
    for (const s of listeners) {
      if (s.link.state !== 'connected') continue;
      if (!everyone && s.hearsAll !== true && !this.within(s, x, y, z, r2)) continue;
      // The same bytes for each: the connection keeps them (unchanged) until acknowledged.
      if (s.link.sendBorrowed(this.channel, bytes) >= 0) sent++;
      else dropped++;
    }
    return { sent, dropped, bytes: sent * bytes.byteLength };
  }

  private within(s: EventListener, x: number, y: number, z: number, r2: number): boolean {
    let dx: number, dy: number, dz: number;
    if (s.camera) {
      // A camera is a point on the ground plane: the event's height does not count against it.
      dx = s.camera.xM - x;
      dy = s.camera.yM - y;
      dz = 0;
    } else {
      if (!this.store.isAlive(s.avatar)) return false;
      const slot = slotOf(s.avatar);
      dx = this.x![slot]! * INV_Q16 - x;
      dy = this.y![slot]! * INV_Q16 - y;
      dz = this.z ? this.z[slot]! * INV_Q16 - z : -z;
    }
    return dx * dx + dy * dy + dz * dz <= r2;
  }
}
