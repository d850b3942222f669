// PlayHost: the demo game's arena (--mode arena): a RoomHost (room-host.ts: seats, messages,
// the rollback session) over the reference game, whose JOIN describes the demo's world and rules
// (demo-game.ts) so that a client builds a byte-identical game. Interest-managed snapshots follow
// for every connection (InterestHost, after publish()), over the game's world.

import type { Connection } from '../net/connection.js';
import type { ReferenceGame } from '../rollback/reference-game.js';
import { encodeJoinMessage } from '../codec/play-messages.js';
import { joinFor, type DemoGameParams } from '../client/demo-game.js';
import { FLAG_DEAD } from '../core/world-layout.js';
import { RoomHost } from './room-host.js';

export type { HostDropReason, PlayHostCounters, Seat } from './play-seat.js';
export { STATE_MIN_INTERVAL_FRAMES } from './play-publisher.js';
export { PLAY_MIN_INTERVAL_FRAMES } from './room-host.js';

export interface PlayHostOptions {
  /** Frames without an INPUT before a player is made a spectator (0: never; default 0). */
  idleFrames?: number;
}

export interface PlayerInfo {
  player: number;
  clientId: number;
  transport: string;
  rttMs: number;
  slot: number;
  x: number;
  y: number;
  hp: number;
  dead: boolean;
  joinedAtFrame: number;
}

export class PlayHost extends RoomHost<ReferenceGame> {
  readonly mode = 'arena' as const;
  readonly params: DemoGameParams;

  constructor(game: ReferenceGame, params: DemoGameParams, options: PlayHostOptions = {}) {
    super(game, {
      idleFrames: options.idleFrames,
      hashEveryFrames: params.hashEveryFrames,
      joinMessage: (player, reason, frame) => encodeJoinMessage(joinFor(params, player, reason, frame, game.stateBytes)),
    });
    this.params = params;
  }

  /** Arena mode lives in this thread with its NetServer: nothing to attach (kicks are the NetServer's). */
  attach(): void {}

  /** The game's world (the spatial index and interest management read it). */
  get world() {
    return this.game.world;
  }

  /** The avatar slot `conn` plays, or -1 (spectating, waiting, not joined, link lost). */
  avatarSlotOf(conn: Connection): number {
    const player = this.playerOf(conn);
    return player < 0 ? -1 : this.game.playerSlot(player);
  }

  /** Who plays, where and how they are: for /players and the tests. */
  playerInfo(): PlayerInfo[] {
    const w = this.game.world;
    const x = w.column('posX');
    const y = w.column('posY');
    const hp = w.column('hp');
    const flags = w.column('flags');
    const out: PlayerInfo[] = [];
    for (let p = 0; p < this.seats.size; p++) {
      const seat = this.seats.holder(p);
      if (!seat) continue;
      const slot = this.game.playerSlot(p);
      out.push({
        player: p,
        clientId: seat.conn.clientId,
        transport: seat.conn.transport?.name ?? 'none',
        rttMs: Math.round(seat.conn.rttMs * 100) / 100,
        slot,
        x: slot >= 0 ? x[slot]! / 65536 : 0,
        y: slot >= 0 ? y[slot]! / 65536 : 0,
        hp: slot >= 0 ? hp[slot]! : 0,
        dead: slot >= 0 && (flags[slot]! & FLAG_DEAD) !== 0,
        joinedAtFrame: seat.joinedAtFrame,
      });
    }
    return out;
  }

  health(): Record<string, number | string> {
    return { mode: 'arena', frame: this.session.frame, players: this.players, maxPlayers: this.seats.size, spectators: this.spectators, waiting: this.waiting, kills: this.game.kills, idleUnseated: this.counters.idleUnseated };
  }
}
