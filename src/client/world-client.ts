// WorldClient: a world-mode player (or watcher) in the browser and in Node. It connects through
// the GameClient SDK, says HELLO, and from the server's JOIN on: predicts its own avatar with the
// same chronos.wasm step the server runs (OwnPredictor), streams its numbered inputs (each INPUT
// repeats the newest ones the server has not applied), reconciles against the avatar's
// authoritative OWN state every tick, and keeps its interest-managed view of everything else
// (InterestReceiver), drawn by RemoteBodies behind an adaptive render delay. It never receives
// the whole world or anyone else's inputs.
//
//   const client = await WorldClient.create({ tokenUrl, arena, mode: 'play', transport: 'udp', udp: connectUdp });
//   await client.connect();
//   // every frame (the page's animation frame, or the built-in timer with drive: 'timer'):
//   client.setInput({ moveX, moveY, aimRad, fire, shoot });
//   client.update(performance.now());    // predicts the frames due, sends the inputs every other frame
//   client.ownPosition(xy); client.sampleRemote(performance.now(), bodies);   // draw
//
// The input clock (input-clock.ts) runs at the rate the server actually ticks, steered by how
// many of its inputs the server holds unapplied; inputs go out in their wire form (wire-input.ts).
// While the link is down the client predicts nothing (its avatar stands on the server too).
// Malformed or unexpected messages are counted in `drops` by reason and change nothing.

import { DecodeError, ChronosError } from '../core/errors.js';
import { SessionTier } from '../net/spec.js';
import type { Arena } from '../wasm/arena.js';
import { type PlayerInput, NEUTRAL_INPUT } from '../codec/rollback-input.js';
import {
  decodeOwnState, decodeWorldJoin, emptyOwnState, encodeWorldHello, INPUT_HEADER_BYTES, MAX_INPUTS_PER_MESSAGE, MSG_WORLD_INPUT,
  MSG_WORLD_JOIN, MSG_WORLD_OWN, WIRE_INPUT_BYTES, type OwnState, type WireInput, type WorldJoin, type WorldMode,
} from '../codec/world-messages.js';
import { encodeInterestViewer } from '../codec/interest-setup.js';
import { OwnPredictor, type OwnPredictorStats } from '../world/own-predictor.js';
import { RemoteBodies, type RemoteBodiesStats } from '../world/remote-bodies.js';
import type { SampledBodies } from '../rollback/hitbox-history.js';
import { KIND_FLAGS_MASK, FLAG_PROJECTILE, OWNER_TAG_SHIFT } from '../core/world-layout.js';
import { slotOf } from '../core/entity-id.js';
import type { GameClient, GameClientOptions, GameClientStats } from './game-client.js';
import { INTEREST_RELIABLE_CHANNEL, INTEREST_SNAPSHOT_CHANNEL, WORLD_RELIABLE_CHANNEL, WORLD_STATE_CHANNEL } from './play-channels.js';
import { createOnPlayChannels, UpdateDriver } from './play-net.js';
import { InterestReceiver } from './interest-receiver.js';
import { RateMeter } from './rate-meter.js';
import { InputClock } from './input-clock.js';
import { toWireInput } from './wire-input.js';

export { toWireInput } from './wire-input.js';

/**
 * Inputs are predicted every frame but sent every second frame (30 packets a second at 60 Hz):
 * every INPUT repeats the inputs the server has not applied, so nothing is lost, the server
 * applies one a tick from its queue all the same, and half the packets cost both ends half the
 * sealing, opening and system calls. A button change goes at once.
 */
export const SEND_EVERY_FRAMES = 2;

export type WorldClientDropReason = 'decode' | 'unknown_type' | 'wrong_channel' | 'bad_join' | 'before_join';

export interface WorldClientHandlers {
  /** A JOIN arrived: the avatar (or the watching view) is set up from it. */
  join?(join: WorldJoin): void;
  connect?(tier: SessionTier): void;
  interrupt?(reason: number): void;
  disconnect?(reason: number): void;
}

export interface WorldClientOptions extends Omit<GameClientOptions, 'channels' | 'handlers'> {
  mode: WorldMode;
  /** Where to spawn (src/world/hubs.ts), or -1 (default): the server chooses. */
  hub?: number;
  arena: Arena;
  /** Prefix of this client's arena regions (default: world-1, world-2...). */
  name?: string;
  /** 'timer' (default): updates itself on the SDK's timer; 'manual': the caller calls update(). */
  drive?: 'timer' | 'manual';
  /** Interpolate remote bodies for drawing (default true; a bot that draws nothing says false). */
  interpolate?: boolean;
  handlers?: WorldClientHandlers;
}

export interface WorldClientStats {
  mode: WorldMode;
  /** connecting, joined (waiting for the first OWN), running, closed. */
  phase: string;
  joins: number;
  avatarId: number;
  serverTick: number;
  /** Input clock speed (1 = the server's tick rate). */
  speed: number;
  /** Inputs the server held unapplied in its last OWN. */
  serverQueue: number;
  own: OwnPredictorStats | null;
  /** Share of checked inputs the server's state corrected, percent. */
  correctedPct: number;
  correctionsPerS: number;
  remote: RemoteBodiesStats | null;
  drops: Record<WorldClientDropReason, number>;
  bytesInPerS: number;
  bytesOutPerS: number;
  interest: { bytesPerS: number; updatesPerS: number; inView: number; snapshots: number; rejected: number };
  net: GameClientStats;
}

let instances = 0;

export class WorldClient {
  readonly net: GameClient;
  readonly mode: WorldMode;
  readonly arena: Arena;
  readonly name: string;
  readonly interest: InterestReceiver;
  readonly drops: Record<WorldClientDropReason, number> = { decode: 0, unknown_type: 0, wrong_channel: 0, bad_join: 0, before_join: 0 };
  readonly bytesIn = new RateMeter();
  readonly bytesOut = new RateMeter();
  readonly correctionsRate = new RateMeter();
  join: WorldJoin | undefined;
  predictor: OwnPredictor | undefined;
  remote: RemoteBodies | undefined;
  joins = 0;
  /** The newest OWN received. */
  readonly own: OwnState = emptyOwnState();
  private readonly options: WorldClientOptions;
  private readonly handlers: WorldClientHandlers;
  private input: PlayerInput = NEUTRAL_INPUT;
  private readonly wire: WireInput = { moveX: 0, moveY: 0, buttons: 0, aim: 0, viewTick: 0, viewFraction: 0 };
  private readonly message = new Uint8Array(INPUT_HEADER_BYTES + MAX_INPUTS_PER_MESSAGE * WIRE_INPUT_BYTES);
  private readonly driver: UpdateDriver;
  private readonly clock = new InputClock();
  private lastCorrections = 0;
  private closed = false;

  private constructor(options: WorldClientOptions, net: GameClient) {
    this.options = options;
    this.net = net;
    this.mode = options.mode;
    this.arena = options.arena;
    this.name = options.name ?? `world-${++instances}`;
    this.handlers = options.handlers ?? {};
    this.driver = new UpdateDriver(options);
    this.interest = new InterestReceiver(options.arena, this.name);
    if (options.interpolate !== false) {
      this.interest.onApplied = (view, nowMs) => {
        if (!this.remote || this.remote.interpolator.maxEntities !== view.handles) this.remote = new RemoteBodies(view.handles, this.join?.tickHz ?? 60);
        this.remote.onSnapshot(view, nowMs);
      };
    }
  }

  static async create(options: WorldClientOptions): Promise<WorldClient> {
    const { mode: _m, hub: _h, arena: _a, name: _n, drive: _d, interpolate: _i, handlers: _hs, ...netOptions } = options;
    return createOnPlayChannels(netOptions, (net) => new WorldClient(options, net), (self) => ({
      connect: (tier) => self.onConnect(tier),
      message: (channel, bytes) => self.receive(channel, bytes),
      interrupt: (reason) => self.handlers.interrupt?.(reason),
      disconnect: (reason) => self.handlers.disconnect?.(reason),
      update: (nowMs) => self.onTimer(nowMs),
    }));
  }

  connect(): Promise<SessionTier> {
    return this.net.connect();
  }

  /** Playing with an avatar whose state has arrived. */
  get running(): boolean {
    return this.predictor?.synced === true;
  }

  /** The avatar's entity id, or -1 (watching, or before the JOIN). */
  get avatarId(): number {
    return this.join?.mode === 'play' ? this.join.avatarId : -1;
  }

  /** Frames predicted since the last INPUT left, and the buttons it carried. */
  private unsentFrames = 0;
  private sentButtons = 0;

  /** The input from now on; throws InvalidValueError before changing anything. */
  setInput(input: PlayerInput): void {
    toWireInput(input, -1, { ...this.wire });
    this.input = input;
  }

  /** Runs the input frames due by `nowMs` (each predicted at once) and sends what is due. */
  update(nowMs: number): number {
    this.driver.called(nowMs);
    return this.step(nowMs);
  }

  private step(nowMs: number): number {
    if (this.closed) return 0;
    let frames = 0;
    let due = true;
    const p = this.predictor;
    if (p && this.join && this.net.net.state === 'connected') {
      frames = this.clock.framesDue(nowMs, 1000 / this.join.tickHz);
      for (let f = 0; f < frames; f++) {
        toWireInput(this.input, this.viewTickAt(nowMs), this.wire);
        p.predict(this.wire, nowMs);
      }
      // Inputs leave every SEND_EVERY_FRAMES frames (each packet repeats the unapplied ones), or
      // at once when a button changes, so a shot is never held back.
      this.unsentFrames += frames;
      due = frames > 0 && (this.unsentFrames >= SEND_EVERY_FRAMES || this.wire.buttons !== this.sentButtons);
      if (due) {
        this.sendInputs();
        this.unsentFrames = 0;
        this.sentButtons = this.wire.buttons;
      }
    } else this.clock.pause(); // not playing now: the clock starts afresh when it is again
    let sent = frames > 0 && due;
    // Acknowledgements ride in the same packet as the inputs (a watcher sends them as they come).
    const acks = due ? this.interest.takeAcks() : null;
    if (acks) sent = this.net.send(INTEREST_SNAPSHOT_CHANNEL, acks) >= 0 || sent;
    if (sent) this.net.flush();
    return frames;
  }

  /** The server tick this client's view of others shows now (what a hitscan is judged against). */
  viewTickAt(nowMs: number): number {
    if (this.remote) return this.remote.renderTickAt(nowMs);
    return this.interest.view ? this.interest.view.tick : -1;
  }

  /** INPUT with the newest inputs the server has not applied (at most 16). */
  private sendInputs(): void {
    const p = this.predictor!;
    const count = Math.min(MAX_INPUTS_PER_MESSAGE, p.newestSeq - p.ackedSeq);
    if (count <= 0) return;
    const first = p.newestSeq - count + 1;
    const out = this.message;
    out[0] = MSG_WORLD_INPUT;
    out[1] = count;
    new DataView(out.buffer).setUint32(2, first, true);
    const written = p.copyInputsInto(out, INPUT_HEADER_BYTES, first, count);
    if (written !== count) return;
    this.net.send(WORLD_STATE_CHANNEL, out.subarray(0, INPUT_HEADER_BYTES + count * WIRE_INPUT_BYTES));
  }

  private onTimer(nowMs: number): void {
    const c = this.net.net.connection;
    this.bytesIn.addTotal(c.bytesIn, nowMs);
    this.bytesOut.addTotal(c.bytesOut, nowMs);
    const corrections = this.predictor?.stats.mispredicted ?? 0;
    this.correctionsRate.add(Math.max(0, corrections - this.lastCorrections), nowMs);
    this.lastCorrections = corrections;
    if (this.driver.timerRuns(nowMs)) this.step(nowMs);
  }

  private onConnect(tier: SessionTier): void {
    // A resumed session keeps everything (the server kept the avatar and its inputs going); a
    // new or reset one says HELLO and gets a new JOIN.
    if (tier !== SessionTier.Resume) this.net.send(WORLD_RELIABLE_CHANNEL, encodeWorldHello({ mode: this.mode, hub: this.options.hub ?? -1 }));
    this.handlers.connect?.(tier);
  }

  /** Handles one message from the server (the SDK calls it; tests may too). */
  receive(channel: number, bytes: Uint8Array): void {
    if (this.closed) return;
    const now = typeof performance !== 'undefined' ? performance.now() : Date.now();
    if (this.interest.receive(channel, bytes, now)) return;
    const type = bytes.byteLength > 0 ? bytes[0] : -1;
    try {
      if (type === MSG_WORLD_OWN) {
        if (channel !== WORLD_STATE_CHANNEL) this.drops.wrong_channel++;
        else if (!this.predictor) this.drops.before_join++;
        else this.onOwn(decodeOwnState(bytes, this.own), now);
      } else if (type === MSG_WORLD_JOIN) {
        if (channel !== WORLD_RELIABLE_CHANNEL) this.drops.wrong_channel++;
        else this.onJoin(decodeWorldJoin(bytes));
      } else this.drops.unknown_type++;
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      this.drops.decode++;
    }
  }

  private onJoin(join: WorldJoin): void {
    let predictor: OwnPredictor | undefined;
    if (join.mode === 'play') {
      try {
        predictor = new OwnPredictor(this.arena, join, `${this.name}-own-${this.joins}`);
      } catch (err) {
        // The JOIN decoded but describes rules no world can take (a forged or mismatched server).
        if (!(err instanceof ChronosError)) throw err;
        this.drops.bad_join++;
        return;
      }
    }
    this.predictor?.dispose();
    this.predictor = predictor;
    this.join = join;
    this.joins++;
    this.clock.reset();
    this.handlers.join?.(join);
  }

  private onOwn(own: OwnState, nowMs: number): void {
    const p = this.predictor!;
    if (own.avatarId !== this.join?.avatarId) return void this.drops.decode++;
    this.remote?.observeTick(own.serverTick, nowMs);
    p.reconcile(own, nowMs);
    this.clock.steer(own.serverTick, own.queued, nowMs, this.join!.tickHz);
  }

  /** Where to draw the own avatar (predicted, smoothed), metres; false when there is none yet. */
  ownPosition(out: { x: number; y: number }): boolean {
    if (!this.predictor?.synced) return false;
    this.predictor.drawnPosition(out);
    return true;
  }

  /**
   * Everyone else as drawn at `nowMs` into `out`: remote bodies from the interest stream,
   * interpolated, without the own avatar and without the own projectiles (which are predicted:
   * see ownProjectilesInto). Returns the count.
   */
  sampleRemote(nowMs: number, out: SampledBodies): number {
    if (!this.remote) {
      out.count = 0;
      return 0;
    }
    this.remote.sampleInto(nowMs, out);
    const me = this.avatarId;
    const mySlot = me >= 0 ? slotOf(me) : -1;
    let k = 0;
    for (let i = 0; i < out.count; i++) {
      const id = out.ids[i]!;
      const flags = out.flags[i]!;
      if (id === me) continue;
      if (mySlot >= 0 && (flags & FLAG_PROJECTILE) !== 0 && flags >>> OWNER_TAG_SHIFT === mySlot) continue;
      if (k !== i) {
        out.ids[k] = id;
        out.flags[k] = flags & KIND_FLAGS_MASK;
        out.x[k] = out.x[i]!;
        out.y[k] = out.y[i]!;
        out.z[k] = out.z[i]!;
      } else out.flags[k] = flags & KIND_FLAGS_MASK;
      k++;
    }
    out.count = k;
    return k;
  }

  /** The own projectiles in flight, as predicted: positions in metres into `out`. */
  ownProjectilesInto(out: SampledBodies): number {
    out.count = 0;
    const w = this.predictor?.projectileWorld;
    if (!w) return 0;
    const flags = w.column('flags'), x = w.column('posX'), y = w.column('posY'), z = w.column('posZ');
    for (let s = 0; s < w.highWater && out.count < out.ids.length; s++) {
      if ((flags[s]! & 1) === 0) continue;
      const k = out.count++;
      out.ids[k] = s;
      out.flags[k] = flags[s]! & KIND_FLAGS_MASK;
      out.x[k] = x[s]! / 65536;
      out.y[k] = y[s]! / 65536;
      out.z[k] = z[s]! / 65536;
    }
    return out.count;
  }

  /** Tells the server where a watcher looks (its view is centred there). */
  sendViewer(x: number, y: number): void {
    this.net.send(INTEREST_RELIABLE_CHANNEL, encodeInterestViewer(x, y));
  }

  stats(): WorldClientStats {
    const p = this.predictor;
    const view = this.interest.view;
    return {
      mode: this.mode,
      phase: this.closed ? 'closed' : !this.join ? 'connecting' : this.join.mode === 'play' && !p?.synced ? 'joined' : 'running',
      joins: this.joins,
      avatarId: this.avatarId,
      serverTick: this.own.serverTick,
      speed: this.clock.speed,
      serverQueue: this.own.queued,
      own: p ? { ...p.stats, corrections: { ...p.stats.corrections } } : null,
      correctedPct: p?.mispredictedPct ?? 0,
      correctionsPerS: this.correctionsRate.perSecond,
      remote: this.remote?.stats() ?? null,
      drops: { ...this.drops },
      bytesInPerS: this.bytesIn.perSecond,
      bytesOutPerS: this.bytesOut.perSecond,
      interest: {
        bytesPerS: this.interest.bytesIn.perSecond,
        updatesPerS: this.interest.updates.perSecond,
        inView: view?.count ?? 0,
        snapshots: this.interest.snapshots,
        rejected: this.interest.rejected,
      },
      net: this.net.stats(),
    };
  }

  /** Leaves (a DISCONNECT to the server) and gives every region back to the arena. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.net.close();
    this.predictor?.dispose();
    this.predictor = undefined;
    this.interest.dispose();
  }
}
