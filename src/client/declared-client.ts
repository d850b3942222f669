// DeclaredClient: the SDK's client for a game that declares its data (src/core/game.ts), served
// by DeclaredServer. Node and browser alike: it connects (UDP or WebSocket), checks the server
// plays the same declaration (fingerprint), decodes GAME SNAPSHOTs into `replica` (the typed
// view: every entity it sees and every field it may receive, in API units), acknowledges each
// one, and sends the player's input, encoded and validated by the declaration.
//
//   const client = await DeclaredClient.create({ game, tokenUrl: 'http://host:8080/connect' });
//   await client.connect();
//   client.setInput({ moveX: 1, moveY: 0, jump: false });
//   client.replica?.value(client.avatarId, 'position.x');

import type { EntityId } from '../core/entity-id.js';
import type { Game, GameDeclaration } from '../core/game.js';
import { DecodeError } from '../core/errors.js';
import { GameInputCodec, type GameInput } from '../codec/game-input.js';
import { GameReplica, type DecodedGameSnapshot } from '../codec/game-replica.js';
import { MSG_GAME_SNAPSHOT } from '../codec/game-frames.js';
import { decodeGameJoin, encodeGameAck, encodeGameInput, encodeGameWatch, GAME_ACK_BYTES, GAME_INPUT_HEADER_BYTES, MAX_GAME_INPUTS, MSG_GAME_JOIN, type GameJoin } from '../codec/declared-messages.js';
import type { DisconnectReason, SessionTier } from '../net/spec.js';
import { GameClient, type GameClientOptions } from './game-client.js';
import { declaredChannels, DECLARED_EVENT_CHANNEL, DECLARED_INPUT_CHANNEL, DECLARED_JOIN_CHANNEL, DECLARED_SNAPSHOT_CHANNEL } from './declared-channels.js';
import { decodeEvent, type BroadcastEvent } from '../codec/broadcast-event.js';
import { MSG_EVENT } from '../codec/snapshot-spec.js';

/** Inputs each GAME INPUT repeats (the newest last): the server queues those it has not seen, so
 * inputs made faster than messages leave, and a lost message, lose none. */
const INPUTS_REPEATED = MAX_GAME_INPUTS;
/** An unchanged input is sent again this often (the server keeps the newest one). */
const RESEND_MS = 100;

export type DeclaredClientDropReason = 'decode' | 'wrong_game' | 'before_join' | 'unknown_type';

/** Events kept for event() readers (the page's panel): the newest ones. */
export const RECENT_EVENTS = 8;

export interface DeclaredClientHandlers {
  join?(join: GameJoin): void;
  snapshot?(decoded: DecodedGameSnapshot): void;
  /** A game event in range of this player (DeclaredServer.emit): its kind, tick, place, range and payload (a view: copy it to keep it). */
  event?(event: BroadcastEvent): void;
  interrupt?(reason: DisconnectReason): void;
  disconnect?(reason: DisconnectReason): void;
  /** A message was dropped (counted in stats.drops too). */
  drop?(reason: DeclaredClientDropReason, detail: string): void;
}

export interface DeclaredClientOptions<D extends GameDeclaration> extends Omit<GameClientOptions, 'channels' | 'handlers'> {
  /** The declaration the client plays: the server's must have the same fingerprint. */
  readonly game: Game<D>;
  readonly handlers?: DeclaredClientHandlers;
}

export interface DeclaredClientStats {
  snapshots: number;
  snapshotBytes: number;
  inputsSent: number;
  /** Game events received (DeclaredServer.emit). */
  events: number;
  drops: Record<DeclaredClientDropReason, number>;
}

function sameBytes(a: Uint8Array, ring: Uint8Array, at: number): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== ring[at + i]) return false;
  return true;
}

export class DeclaredClient<D extends GameDeclaration = GameDeclaration> {
  readonly game: Game<D>;
  readonly net: GameClient;
  readonly inputCodec: GameInputCodec<D>;
  /** The GAME JOIN (null before it arrives). */
  join: GameJoin | null = null;
  /** The typed view of what the server sent (null before the join). */
  replica: GameReplica<D> | null = null;
  readonly stats: DeclaredClientStats = { snapshots: 0, snapshotBytes: 0, inputsSent: 0, events: 0, drops: { decode: 0, wrong_game: 0, before_join: 0, unknown_type: 0 } };
  /** The newest game events received (at most RECENT_EVENTS, oldest first; payloads copied). */
  readonly recentEvents: BroadcastEvent[] = [];
  private readonly handlers: DeclaredClientHandlers;
  /** The newest INPUTS_REPEATED encoded inputs, by seq modulo the ring. */
  private readonly ring: Uint8Array;
  private readonly message: Uint8Array;
  private readonly scratch: Uint8Array;
  private readonly ack = new Uint8Array(GAME_ACK_BYTES);
  private seq = -1;
  /** pushInput was used: the inputs are a stream of one a tick (INPUT_STREAM). */
  private stream = false;
  private sentSeq = -1;
  private sentAtMs = -Infinity;
  /** A spectator's newest GAME WATCH, and when it last went out. */
  private watchMessage: Uint8Array | null = null;
  private camera: { xM: number; yM: number } | null = null;
  private watchSentAtMs = -Infinity;

  private constructor(options: DeclaredClientOptions<D>, net: GameClient) {
    this.game = options.game;
    this.net = net;
    this.handlers = options.handlers ?? {};
    this.inputCodec = new GameInputCodec(options.game);
    this.ring = new Uint8Array(INPUTS_REPEATED * this.inputCodec.bytes);
    this.scratch = new Uint8Array(this.inputCodec.bytes);
    this.message = new Uint8Array(GAME_INPUT_HEADER_BYTES + MAX_GAME_INPUTS * this.inputCodec.bytes);
  }

  static async create<D extends GameDeclaration>(options: DeclaredClientOptions<D>): Promise<DeclaredClient<D>> {
    const { game: _g, handlers: _h, ...netOptions } = options;
    let self: DeclaredClient<D> | undefined;
    const net = await GameClient.create({
      ...netOptions,
      channels: declaredChannels(new GameInputCodec(options.game).bytes),
      handlers: {
        connect: (tier) => self?.onConnect(tier),
        message: (channel, bytes) => self?.receive(channel, bytes),
        interrupt: (reason) => self?.handlers.interrupt?.(reason),
        disconnect: (reason) => self?.handlers.disconnect?.(reason),
        update: (nowMs) => self?.update(nowMs),
      },
    });
    self = new DeclaredClient(options, net);
    return self;
  }

  connect(): Promise<SessionTier> {
    return this.net.connect();
  }

  /** The player's avatar (-1 before the join). */
  get avatarId(): EntityId {
    return this.join?.avatarId ?? -1;
  }

  /**
   * The input from now on (each different one reaches the game once, in order, one a tick).
   * Throws InvalidValueError (and keeps the previous one) when it does not fit the declaration.
   */
  setInput(input: GameInput<D>): void {
    const r = this.inputCodec.bytes;
    this.inputCodec.encode(input, this.scratch);
    // The same input again is no new input: the server keeps the last one until the next.
    if (this.seq >= 0 && sameBytes(this.scratch, this.ring, (this.seq % INPUTS_REPEATED) * r)) return;
    const next = this.seq + 1;
    this.ring.set(this.scratch, (next % INPUTS_REPEATED) * r);
    this.seq = next;
  }

  /**
   * This tick's input for a client that predicts (DeclaredPredictor): numbered even when it
   * equals the last, so the server applies one a tick in step with the client, and sent at
   * once. Returns its seq (what snapshots' inputSeq refers to). Throws InvalidValueError.
   */
  pushInput(input: GameInput<D>): number {
    this.inputCodec.encode(input, this.scratch);
    const next = this.seq + 1;
    this.ring.set(this.scratch, (next % INPUTS_REPEATED) * this.inputCodec.bytes);
    this.seq = next;
    this.stream = true;
    this.update(performance.now());
    return next;
  }

  /** Sends the input (or a spectator's camera) when it changed or RESEND_MS passed (the SDK's timer calls this). */
  update(nowMs: number): void {
    if (this.watchMessage) {
      if (!this.join || this.net.state !== 'connected' || nowMs - this.watchSentAtMs < RESEND_MS) return;
      this.net.send(DECLARED_INPUT_CHANNEL, this.watchMessage);
      this.watchSentAtMs = nowMs;
      return;
    }
    if (this.seq < 0 || !this.join || this.net.state !== 'connected') return;
    if (this.seq === this.sentSeq && nowMs - this.sentAtMs < RESEND_MS) return;
    const count = Math.min(INPUTS_REPEATED, this.seq + 1);
    const first = this.seq - count + 1;
    const r = this.inputCodec.bytes;
    const bytes = encodeGameInput(first, count, r, (i, out, offset) => {
      const at = ((first + i) % INPUTS_REPEATED) * r;
      out.set(this.ring.subarray(at, at + r), offset);
    }, this.message, this.stream);
    this.net.send(DECLARED_INPUT_CHANNEL, bytes);
    this.sentSeq = this.seq;
    this.sentAtMs = nowMs;
    this.stats.inputsSent++;
  }

  /**
   * Watches from here on, from a camera at (xM, yM) metres (the server's spectator view; the
   * avatar leaves the game at the first call, and inputs are no longer sent). Call again as the
   * camera moves: the message is unreliable, so a camera that rests is sent again every
   * RESEND_MS by update(). Throws InvalidArgumentError for a point not finite or too far.
   */
  watch(xM: number, yM: number): void {
    this.watchMessage = encodeGameWatch(xM, yM);
    this.camera = { xM, yM };
    this.watchSentAtMs = -Infinity;
    this.update(typeof performance !== 'undefined' ? performance.now() : Date.now());
  }

  /** The camera this client watches from (null: it plays). */
  get watching(): { readonly xM: number; readonly yM: number } | null {
    return this.camera;
  }

  close(): void {
    this.net.close();
  }

  private onConnect(_tier: SessionTier): void {
    // A new session gets a new JOIN (and its frames start over); a resumed one keeps both.
  }

  private receive(channel: number, bytes: Uint8Array): void {
    if (channel === DECLARED_JOIN_CHANNEL && bytes[0] === MSG_GAME_JOIN) {
      let join: GameJoin;
      try {
        join = decodeGameJoin(bytes);
      } catch (err) {
        return this.dropped('decode', (err as Error).message);
      }
      if (join.fingerprint !== this.game.fingerprint || join.name !== this.game.name) {
        this.dropped('wrong_game', `the server plays ${join.name} (${join.fingerprint.toString(16)}), this client ${this.game.name} (${this.game.fingerprint.toString(16)})`);
        this.close();
        return;
      }
      this.join = join;
      this.replica = new GameReplica(this.game, { viewCapacity: join.viewCapacity });
      this.handlers.join?.(join);
      return;
    }
    if (channel === DECLARED_SNAPSHOT_CHANNEL && bytes[0] === MSG_GAME_SNAPSHOT) {
      if (!this.replica) return this.dropped('before_join', 'a snapshot before the join');
      let decoded: DecodedGameSnapshot;
      try {
        decoded = this.replica.decode(bytes);
      } catch (err) {
        if (!(err instanceof DecodeError)) throw err;
        return this.dropped('decode', err.message);
      }
      this.stats.snapshots++;
      this.stats.snapshotBytes += bytes.byteLength;
      this.net.send(DECLARED_SNAPSHOT_CHANNEL, encodeGameAck(decoded.seq, this.ack));
      this.handlers.snapshot?.(decoded);
      return;
    }
    if (channel === DECLARED_EVENT_CHANNEL && bytes[0] === MSG_EVENT) {
      if (!this.replica) return this.dropped('before_join', 'an event before the join');
      let event: BroadcastEvent;
      try {
        event = decodeEvent(bytes);
      } catch (err) {
        if (!(err instanceof DecodeError)) throw err;
        return this.dropped('decode', err.message);
      }
      this.stats.events++;
      this.recentEvents.push({ ...event, payload: event.payload.slice() });
      if (this.recentEvents.length > RECENT_EVENTS) this.recentEvents.shift();
      this.handlers.event?.(event);
      return;
    }
    this.dropped('unknown_type', `type ${bytes[0]} on channel ${channel}`);
  }

  private dropped(reason: DeclaredClientDropReason, detail: string): void {
    this.stats.drops[reason]++;
    this.handlers.drop?.(reason, detail);
  }
}
