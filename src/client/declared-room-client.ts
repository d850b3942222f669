// DeclaredRoomClient: a player (or spectator) of a declared game's rollback room (arena mode,
// DeclaredRoomServer), in the browser and in Node. It connects through the GameClient SDK, asks to
// PLAY or watch, checks the ROOM JOIN names its game (the declaration's fingerprint), builds the
// room the JOIN describes with the game's own module (`room(join)`: the store's capacity and the
// seats; no setup, the state comes next), installs the full state that follows, and from then on
// runs a RollbackClient: its own input is simulated at once (prediction), the server's confirmed
// inputs reconcile by rollback, and a hash every hashEveryFrames frames proves the confirmed state
// equals the server's (a mismatch reports the frame and asks for a new state).
//
//   const client = await DeclaredRoomClient.create({ game: GAME, mode: 'play', tokenUrl, room: (join) => buildRoom(join) });
//   await client.connect();
//   client.setInput({ moveX: 1, moveY: 0, fire: false, ... });   // validated by the declaration
//   client.update(performance.now());                           // each animation frame ('manual'), or the SDK's timer
//   client.room?.store                                           // the predicted room, to draw
//
// The server's rules announce events (a kill feed): each arrives once, on channel 2 (ROOM_EVENT_CHANNEL), from the
// server's own copy of the room (a client's copy discards those its rollbacks would repeat):
// counted in `events`, the newest kept in `recentEvents`, handed to the `event` handler.
//
// Building a room is asynchronous (a module is instantiated), so messages that arrive meanwhile
// wait and are handled in order once it is built. A re-seating arrives as a new JOIN: the room is
// built again and the new state installed. Malformed or unexpected messages are counted in
// `drops` by reason and change nothing.

import { ChronosError, DecodeError } from '../core/errors.js';
import type { Game, GameDeclaration } from '../core/game.js';
import type { SessionTier } from '../net/spec.js';
import { GameInputCodec, type GameInput } from '../codec/game-input.js';
import type { PlayMode } from '../codec/play-messages.js';
import { decodeRoomJoin, MSG_ROOM_JOIN, type RoomJoin } from '../codec/room-messages.js';
import { decodeEvent, type BroadcastEvent } from '../codec/broadcast-event.js';
import { MSG_EVENT } from '../codec/snapshot-spec.js';
import { ROOM_EVENT_CHANNEL, roomChannels } from './play-channels.js';
import { RECENT_EVENTS } from './declared-client.js';
import type { RollbackClient, RollbackClientOptions } from '../rollback/client-session.js';
import type { DeclaredRoomGame } from '../rollback/declared-room.js';
import type { GameClient, GameClientOptions } from './game-client.js';
import { RoomClientBase } from './room-client-base.js';
import { createOnPlayChannels } from './play-net.js';

export type RoomClientDropReason = 'decode' | 'unknown_type' | 'wrong_channel' | 'wrong_game' | 'bad_join' | 'state_part' | 'before_join';

export interface DeclaredRoomClientHandlers<D extends GameDeclaration> {
  /** A JOIN arrived and its room was built (the state follows); `room` replaces any earlier one. */
  join?(join: RoomJoin, room: DeclaredRoomGame<D>): void;
  /** The full state was installed: the client runs from here. */
  running?(frame: number): void;
  connect?(tier: SessionTier): void;
  interrupt?(reason: number): void;
  disconnect?(reason: number): void;
  /** A game event the server's rules announced within range of this player (or any, watching): a view, copy it to keep it. */
  event?(event: BroadcastEvent): void;
}

export interface DeclaredRoomClientOptions<D extends GameDeclaration> extends Omit<GameClientOptions, 'channels' | 'handlers'> {
  /** The declaration the client plays: the server's must have the same fingerprint. */
  readonly game: Game<D>;
  readonly mode: PlayMode;
  /**
   * Builds the room a JOIN describes: the game's module loaded with join.capacity slots and
   * join.players seats (WasmGameOptions), in a fresh memory, not set up (the server's state
   * replaces it), with the game's verdict fields and no judge.
   */
  room(join: RoomJoin): Promise<DeclaredRoomGame<D>>;
  /** 'timer' (default): the SDK's 60 Hz timer updates it (bots); 'manual': the caller does, every animation frame. */
  readonly drive?: 'timer' | 'manual';
  readonly rollback?: Partial<Omit<RollbackClientOptions, 'localPlayer' | 'tickHz' | 'name'>>;
  readonly handlers?: DeclaredRoomClientHandlers<D>;
}


/** Messages kept while a room is being built. */
const MAX_WAITING_MESSAGES = 2048;

let instances = 0;

export class DeclaredRoomClient<D extends GameDeclaration = GameDeclaration> extends RoomClientBase<DeclaredRoomGame<D>, RoomJoin> {
  readonly game: Game<D>;
  readonly name: string;
  readonly drops: Record<RoomClientDropReason, number> = { decode: 0, unknown_type: 0, wrong_channel: 0, wrong_game: 0, bad_join: 0, state_part: 0, before_join: 0 };
  room: DeclaredRoomGame<D> | undefined;
  /** Game events received (the server's rules announced them). */
  eventsHeard = 0;
  /** The newest game events received (at most RECENT_EVENTS, oldest first; payloads copied). */
  readonly recentEvents: BroadcastEvent[] = [];
  private readonly options: DeclaredRoomClientOptions<D>;
  private readonly handlers: DeclaredRoomClientHandlers<D>;
  private readonly codec: GameInputCodec<D>;
  /** The input as the declaration encodes it (the record adds presence at each step, setInputRecord). */
  private readonly encoded: Uint8Array;
  private record: Uint8Array | undefined;
  /** A room being built, and the messages that came in meanwhile (handled in order after). */
  private building: Promise<void> | undefined;
  private readonly waiting: [number, Uint8Array][] = [];

  private constructor(options: DeclaredRoomClientOptions<D>, net: GameClient) {
    super(net, options.mode, options.drive, options.handlers ?? {}, MSG_ROOM_JOIN, (bytes: Uint8Array) => this.onJoin(decodeRoomJoin(bytes)));
    this.options = options;
    this.game = options.game;
    this.name = `room-${++instances}`;
    this.handlers = options.handlers ?? {};
    this.codec = new GameInputCodec(options.game);
    // Until the first setInput: every field's stored 0 (standing still), as a room's neutral input.
    this.encoded = this.codec.encodeCodes(options.game.input.map((f) => (f.codeMin > 0 ? f.codeMin : f.codeMax < 0 ? f.codeMax : 0)), new Uint8Array(this.codec.bytes));
  }

  static async create<D extends GameDeclaration>(options: DeclaredRoomClientOptions<D>): Promise<DeclaredRoomClient<D>> {
    const { game: _game, mode: _mode, room: _room, drive: _drive, rollback: _rollback, handlers: _handlers, ...netOptions } = options;
    // The room's channels take INPUT messages of this game's records (its codec's bytes on the wire).
    return createOnPlayChannels(netOptions, roomChannels(new GameInputCodec(options.game).bytes), (net) => new DeclaredRoomClient(options, net), (self) => ({
      connect: (tier) => self.onConnect(tier),
      message: (channel, bytes) => self.receive(channel, bytes),
      interrupt: (reason) => self.handlers.interrupt?.(reason),
      disconnect: (reason) => self.handlers.disconnect?.(reason),
      update: (nowMs) => self.onTimer(nowMs),
    }));
  }

  /** The avatar this client's seat holds in its (predicted) room, or undefined. */
  get avatar(): number | undefined {
    return this.player >= 0 ? this.room?.avatarOf(this.player) : undefined;
  }

  /** The player's input from now on. Throws InvalidValueError (NaN, out of range, missing field) before changing anything. */
  setInput(input: Readonly<GameInput<D>>): void {
    this.codec.encode(input, this.encoded, 0);
  }

  protected stampInput(rb: RollbackClient<DeclaredRoomGame<D>>): void {
    this.record ??= new Uint8Array(rb.game.inputBytes);
    this.record.fill(0);
    this.record.set(this.encoded);
    rb.setInputRecord(this.record);
  }

  /** Handles one message from the server (the SDK calls it; tests may too). */
  receive(channel: number, bytes: Uint8Array): void {
    if (this.closed) return;
    if (this.building) {
      // A module loads in well under a second: a few dozen messages wait. Past the cap (a server
      // flooding a client that cannot keep up) the newest are counted and dropped; the hash
      // checks then ask for a new state.
      if (this.waiting.length >= MAX_WAITING_MESSAGES) this.drops.before_join++;
      else this.waiting.push([channel, bytes.slice()]);
      return;
    }
    this.routeMessage(channel, bytes, typeof performance !== 'undefined' ? performance.now() : Date.now());
  }

  protected override routeMessage(channel: number, bytes: Uint8Array, nowMs: number): void {
    if (bytes[0] === MSG_EVENT) this.onEvent(channel, bytes);
    else super.routeMessage(channel, bytes, nowMs);
  }

  private onEvent(channel: number, bytes: Uint8Array): void {
    if (channel !== ROOM_EVENT_CHANNEL) {
      this.drops.wrong_channel++;
      return;
    }
    if (!this.join) {
      this.drops.before_join++;
      return;
    }
    let event: BroadcastEvent;
    try {
      event = decodeEvent(bytes);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      this.drops.decode++;
      return;
    }
    this.eventsHeard++;
    this.recentEvents.push({ ...event, payload: event.payload.slice() });
    if (this.recentEvents.length > RECENT_EVENTS) this.recentEvents.shift();
    this.handlers.event?.(event);
  }

  private onJoin(join: RoomJoin): void {
    if (join.fingerprint !== this.game.fingerprint) {
      this.drops.wrong_game++;
      return;
    }
    this.disposeRoom();
    this.building = this.options.room(join).then(
      (room) => this.install(join, room),
      (err: unknown) => {
        // The JOIN decoded but describes no room this game can build (a forged or mismatched server).
        if (!(err instanceof ChronosError) && !(err instanceof RangeError)) throw err;
        this.drops.bad_join++;
      },
    ).finally(() => {
      this.building = undefined;
      for (const [channel, bytes] of this.waiting.splice(0)) this.receive(channel, bytes);
    });
  }

  private install(join: RoomJoin, room: DeclaredRoomGame<D>): void {
    if (this.closed) return;
    if (room.stateBytes !== join.stateBytes || room.players !== join.players) {
      this.drops.bad_join++;
      return;
    }
    this.room = room;
    this.record = undefined;
    this.startRollback(join, room, this.options.rollback, this.name);
    this.handlers.join?.(join, room);
  }

  /** Resolves once a room being built is built (and the messages that waited are handled). */
  async settled(): Promise<void> {
    while (this.building) await this.building;
  }

  private disposeRoom(): void {
    this.stopRollback();
    this.room = undefined;
    this.join = undefined;
  }

  /** What the page's panel and the bots report. */
  stats() {
    const rb = this.rollback;
    const s = rb?.stats();
    return {
      mode: this.mode,
      phase: this.building ? 'building' : this.phase(),
      player: this.player,
      spectatorReason: this.join?.spectatorReason ?? '-',
      joins: this.joins,
      frame: s?.frame ?? 0,
      confirmedFrame: s?.confirmedFrame ?? -1,
      predictionFrames: s?.predictionFrames ?? 0,
      rollbacks: s?.rollbacks ?? 0,
      maxRollbackDepth: s?.maxRollbackDepth ?? 0,
      leadFrames: s?.leadFrames ?? 0,
      speed: s?.speed ?? 1,
      hashChecks: s?.hashChecks ?? { matched: 0, mismatched: 0, unchecked: 0 },
      desyncFrame: this.lastDesyncFrame,
      statesInstalled: rb?.statesInstalled ?? 0,
      rttMs: this.net.stats().rttMs,
      events: this.eventsHeard,
      drops: { ...this.drops },
      rollbackDrops: s ? { ...s.drops } : {},
    };
  }

  /** Closed: the room goes. */
  protected released(): void {
    this.disposeRoom();
  }
}
