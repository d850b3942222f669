// The server side of a game-declared snapshot stream: one GameReplicator per client turns the
// entities in its view into GAME SNAPSHOT messages (format: game-frames.ts), each a delta
// against the newest frame the client acknowledged. Per field, the code is the stored value
// quantised to the declared precision; per component, a change mask says which components moved
// at all; owner-only fields go only to the entity's owner and server-only fields never leave.
//
// Memory per client, bounded by its options: the acknowledged frame, those sent since and a spare
// or two (older ones are released at each ack: a few frames for a client that acknowledges
// within a few ticks, at most GAME_WINDOW + 7 for one that does not), each sized to the views it
// held (never past viewCapacity entities), 20 bytes per entity plus 4 per code (its type's record;
// at most game.maxRecordFields), plus the message buffer. The bit writer a message is built in,
// and the planning stream and table for a whole view over budget, are the thread's, shared by
// every replicator in it (encoding is synchronous and never reentered): a player over budget
// once held 176 KB of planning for good at the arena shooter's view capacity of 1,024.

import { InvalidArgumentError } from '../core/errors.js';
import { GENERATION_MASK } from '../core/entity-id.js';
import type { Game, GameDeclaration } from '../core/game.js';
import type { GameStore } from '../core/game-store.js';
import { compileKernels, WalkState, type TypeKernels } from './game-kernels.js';
import { UpdateZones, type UpdateZonesSpec } from './update-zones.js';
import { OWNED, RECORD_FRAMING_BITS, worstRecordBits } from './game-kernel-source.js';
import { BitStreamWriter } from './bit-stream.js';
import { BudgetPlan, ENTER_PRIORITY, LEAVE_PRIORITY } from './game-budget.js';
import { ViewSurvey } from './game-view.js';
import {
  GAME_HEADER_BYTES, GAME_WINDOW, GENERATION_WIRE_BITS, measureLeavers, type GameFrame, type Leavers,
} from './game-frames.js';
import { FrameRing } from './game-frame-ring.js';
import { GameMessageBuffer, type GameMessageHeader } from './game-message.js';
import type { GameReplicatorCounters, GameReplicatorOptions, Pass } from './game-replicator-types.js';
import { THREAD_PLAN, threadWriter } from './game-thread-scratch.js';
import { wasmEncoding } from './game-wasm-kernels.js';

export type { GameReplicatorCounters, GameReplicatorOptions } from './game-replicator-types.js';
export { sharedEncodeBytes } from './game-thread-scratch.js';

export { viewScaleByte } from './game-message.js';

export class GameReplicator<D extends GameDeclaration = GameDeclaration> {
  readonly game: Game<D>;
  readonly viewCapacity: number;
  readonly maxMessageBytes: number;
  owner: number;
  readonly counters: GameReplicatorCounters = { messages: 0, bytes: 0, enters: 0, updates: 0, leaves: 0, deferred: 0, fulls: 0, runEntities: 0 };
  private readonly frames: FrameRing;
  private readonly writer: BitStreamWriter;
  /** The message handed over: its buffer and header. */
  private readonly message: GameMessageBuffer;
  /** The header of the message being written. */
  private readonly header: GameMessageHeader = { seq: 0, tick: 0, baselineAge: 0, records: 0, inputSeq: -1, inputQueue: 0, viewScale: 0 };
  private readonly kernels: readonly TypeKernels[];
  /** Whether its run kernels are WebAssembly (GameReplicatorOptions.arena). */
  readonly wasm: boolean;
  private readonly zones: UpdateZones<D> | null;
  /** Per type and recipient class (type * 2 + owned): codes per record, worst-case bits. */
  private readonly recordFields: Int32Array;
  private readonly worstBits: Int32Array;
  /** The longest of them (the planning stream is sized by it). */
  private readonly worstRecord: number;
  private seq = 0;
  /**
   * The recipient's newest input the game has applied (its seq, as the client numbered it), -1
   * for none: written into each message so a predicting client knows which inputs to replay.
   */
  inputSeq = -1;
  /** The recipient's inputs the server holds, not yet applied (written into each message, capped at 255). */
  inputQueue = 0;
  /**
   * The share of its full radius the recipient's view reached this tick (DeclaredInterest's
   * narrowing in a crowd), 0 < scale <= 1, written into each message in 255ths; 0: not said.
   */
  viewScale = 0;
  private acked = -1;
  /** The view in ascending order, and what the walk should know of it (game-view.ts). */
  private readonly view = new ViewSurvey();
  private readonly pass: Pass = { records: 0, enters: 0, updates: 0, leaves: 0, deferred: 0 };
  private readonly plan = THREAD_PLAN;
  private readonly runState = new WalkState();
  /** What the baseline holds that left the view, for the message being encoded (measureLeavers). */
  private readonly leavers: Leavers = { entries: 0, codes: 0 };

  constructor(readonly store: GameStore<D>, options: GameReplicatorOptions) {
    this.game = store.game;
    // A store in a WebAssembly arena: the run kernels are WebAssembly, the frames and the message in the arena.
    this.zones = options.zones ? new UpdateZones(store, options.zones as UpdateZonesSpec<D>, options.tickHz ?? 60) : null;
    const wasm = options.arena ? wasmEncoding(this.game, store, options.arena, this.zones) : null;
    this.frames = new FrameRing(this.game, options.viewCapacity, wasm?.frames ?? null);
    this.viewCapacity = options.viewCapacity;
    const maxBytes = options.maxMessageBytes ?? 64 * 1024;
    if (!Number.isInteger(maxBytes) || maxBytes < 64 || maxBytes > 1 << 24) {
      throw new InvalidArgumentError(`maxMessageBytes must be an integer in [64, ${1 << 24}], got ${maxBytes}`);
    }
    this.maxMessageBytes = maxBytes;
    this.owner = options.owner ?? 0;
    const firstSeq = options.firstSeq ?? 0;
    if (!Number.isInteger(firstSeq) || firstSeq < 0 || firstSeq > 0xfffffff0) throw new InvalidArgumentError(`firstSeq must be an integer in [0, 2^32 - 16], got ${firstSeq}`);
    this.seq = firstSeq;
    this.writer = wasm ? wasm.writer(maxBytes - GAME_HEADER_BYTES) : threadWriter(maxBytes - GAME_HEADER_BYTES);
    this.message = new GameMessageBuffer(maxBytes);
    const kernels = compileKernels(this.game, store, this.zones);
    this.kernels = wasm ? wasm.kernels(kernels) : kernels;
    this.wasm = wasm !== null;
    const plans = this.game.types.flatMap((t) => t.wire);
    this.recordFields = Int32Array.from(plans, (p) => p.fields.length);
    this.worstBits = Int32Array.from(plans, worstRecordBits);
    this.worstRecord = Math.max(...this.worstBits);
  }

  /** Seq of the next message. */
  get nextSeq(): number {
    return this.seq;
  }

  /** Seq of the newest acknowledged frame, -1 if none. */
  get ackedSeq(): number {
    return this.acked;
  }

  /** Frames it holds now: the acknowledged one and those sent since, and a spare or two. */
  get heldFrames(): number {
    return this.frames.held;
  }

  /** Frames it has made (a released frame is reused where it can be: garbage otherwise). */
  get framesMade(): number {
    return this.frames.made;
  }

  /** Bytes this replicator holds (its stated cap), the thread's shared writer and planning apart (sharedEncodeBytes). */
  get heldBytes(): number {
    return this.frames.bytes + this.message.bytes + this.view.bytes;
  }

  /** The client received snapshot `seq`: later messages may be deltas against it. */
  ack(seq: number): void {
    if (!Number.isInteger(seq) || seq < 0 || seq >= this.seq) return;
    if (seq > this.acked && this.frames.find(seq)) {
      this.acked = seq;
      // Older frames are never a baseline again (a later ack only moves it forward).
      this.frames.release(seq);
    }
  }

  /** Gives back what its frames hold in an arena (GameReplicatorOptions.arena); it is not used after. */
  dispose(): void {
    this.frames.dispose();
  }

  /** Forget everything acknowledged (the client lost its state): the next message is full. */
  reset(): void {
    this.acked = -1;
  }

  /**
   * The message for `tick` given the live slots in the client's view (`slots[0 .. count)`, any
   * order, no repeats), in at most `budgetBytes` (the connection's congestion budget; at most
   * maxMessageBytes, at least the header). Returns a view of an internal buffer, valid until
   * the next call. `origin`: the recipient's avatar's slot, from which update zones measure
   * (-1: none; every entity at full rate).
   *
   * When everything that changed fits the byte budget, one pass writes it. When it does not, a
   * planning pass measures every record (into a scratch stream that holds a whole view), the
   * records are chosen by priority — leaves, then entities entering the view, then updates by
   * how long since the client last got one (the longest waited first, so none starves) — and a
   * last pass writes the chosen ones in slot order; the rest wait for a later message.
   */
  encode(tick: number, slots: ArrayLike<number>, count: number, budgetBytes = this.maxMessageBytes, origin = -1): Uint8Array {
    if (!Number.isInteger(count) || count < 0 || count > this.viewCapacity || count > slots.length) {
      throw new InvalidArgumentError(`${count} entities in a view of capacity ${this.viewCapacity}`);
    }
    const base = this.acked >= 0 && this.seq - this.acked < GAME_WINDOW ? this.frames.find(this.acked) : null;
    const view = this.view;
    let order: ArrayLike<number> = slots;
    // An ascending view (DeclaredInterest's) in one pass; any other sorted, then surveyed.
    if (!view.surveyAscending(slots, count, this.store.highWater, this.store, this.owner, this.recordFields, this.game.maxRecordFields, base, this.leavers)) {
      order = view.sorted(slots, count, this.store.highWater);
      view.survey(this.store, this.owner, this.recordFields, this.game.maxRecordFields, order, count);
      measureLeavers(order, count, base, this.leavers);
    }
    // The kernels work out each entity's update period from its distance to this recipient's avatar.
    this.zones?.aim(origin);
    const seq = this.seq++;
    tick >>>= 0;
    const budget = Math.min(this.maxMessageBytes, Math.max(GAME_HEADER_BYTES, Math.floor(budgetBytes) || 0));
    const limit = Math.min(this.writer.capacityBits, (budget - GAME_HEADER_BYTES) * 8);
    let pass = this.walk(tick, seq, order, count, base, this.writer, limit, null);
    if (pass.deferred > 0) {
      const plan = this.plan.writer(this.viewCapacity * 2 + 1, this.worstRecord);
      this.walk(tick, seq, order, count, base, plan, plan.capacityBits, this.plan);
      pass = this.walk(tick, seq, order, count, base, this.writer, limit, this.plan.choose(limit));
    }
    const w = this.writer;
    const bodyBytes = w.finish();
    const h = this.header;
    h.seq = seq;
    h.tick = tick;
    h.baselineAge = base ? seq - base.seq : 0;
    h.records = pass.records;
    h.inputSeq = this.inputSeq;
    h.inputQueue = this.inputQueue;
    h.viewScale = this.viewScale;
    const message = this.message.write(h, w.bytes.subarray(0, bodyBytes));
    this.frames.commit();
    const c = this.counters;
    c.enters += pass.enters;
    c.updates += pass.updates;
    c.leaves += pass.leaves;
    c.deferred += pass.deferred;
    if (!base) c.fulls++;
    c.messages++;
    c.bytes += message.byteLength;
    return message;
  }

  /**
   * One pass over the view merged with the baseline: builds the frame for `seq` and writes the
   * records into `w`. `select` null: every record while the budget lasts. `select` this.plan:
   * measure every candidate record (leave, changed update, enter) into plan. Otherwise
   * select[i] says whether candidate i (in this same walk order) goes out.
   */
  private walk(tick: number, seq: number, order: ArrayLike<number>, count: number, base: GameFrame | null, w: BitStreamWriter, limit: number, select: Uint8Array | BudgetPlan | null): Pass {
    const planning = select instanceof BudgetPlan ? select : null;
    const chosen = select instanceof Uint8Array ? select : null;
    if (planning) planning.reset(count + (base ? base.count : 0));
    const frame = this.frames.next(seq, tick);
    // Before its arrays are read below. Each entry is an entity in view (its record's codes,
    // view.codes in all) or one that left it whose leave waits (measureLeavers).
    frame.ensure(count + this.leavers.entries, this.view.codes + this.leavers.codes);
    const store = this.store;
    w.reset();
    const typeCol = store.typeColumn;
    const genCol = store.generationColumn;
    const ownerCol = store.ownerColumn;
    const owner = this.owner;
    const kernels = this.kernels;
    const recordFields = this.recordFields;
    const worstBits = this.worstBits;
    const typeBits = this.game.typeBits;
    const fSlot = frame.slot;
    const fGen = frame.generation;
    const fTO = frame.typeOwned;
    const fAt = frame.at;
    const fSent = frame.sent;
    const codes = frame.codes;
    const bn = base ? base.count : 0;
    const bSlot = base ? base.slot : fSlot;
    const bGen = base ? base.generation : fGen;
    const bTO = base ? base.typeOwned : fTO;
    const bAt = base ? base.at : fAt;
    const bSent = base ? base.sent : fSent;
    const bCodes = base ? base.codes : codes;
    const pass = this.pass;
    pass.records = pass.enters = pass.updates = pass.leaves = pass.deferred = 0;
    let n = 0;
    let used = 0;
    let prev = -1;
    let j = 0;
    let candidate = 0;
    let full = false;
    // A record that does not go out this time keeps baseline entry j as it was (frame.copyAt: no
    // closure here, so that the walk's counters stay in registers).
    // The common pass (everything fits so far) hands runs of kept entities to the type's run
    // kernel, which does in one compiled loop what the body below does for each of them.
    const runs = select === null && this.view.runs;
    const rs = this.runState;
    if (runs) rs.bind(order, count, frame, base, seq, tick, limit, owner);
    for (let i = 0; i <= count; i++) {
      // Only where a run is likely (the next entity in view is of the same type): handing the
      // walk over costs a few dozen loads and stores, which a world of interleaved types (a view
      // of props, creatures and pickups side by side) would pay for every entity.
      if (runs && !full && i + 1 < count && j < bn && bSlot[j] === order[i] && typeCol[order[i]!] === typeCol[order[i + 1]!]) {
        const s0 = order[i]!;
        const t0 = typeCol[s0]! - 1;
        if (t0 >= 0) {
          rs.i = i;
          rs.j = j;
          rs.cnt = n;
          rs.used = used;
          rs.prev = prev;
          rs.candidate = candidate;
          rs.records = pass.records;
          rs.updates = pass.updates;
          kernels[t0 * 2 + (owner !== 0 && ownerCol[s0] === owner ? 1 : 0)]!.run(rs, w);
          this.counters.runEntities += rs.i - i;
          i = rs.i;
          j = rs.j;
          n = rs.cnt;
          used = rs.used;
          prev = rs.prev;
          candidate = rs.candidate;
          pass.records = rs.records;
          pass.updates = rs.updates;
        }
      }
      const slot = i < count ? order[i]! : 0xffffffff;
      // Entities of the baseline before this slot left the view.
      while (j < bn && bSlot[j]! < slot) {
        const c = candidate++;
        const go = (chosen ? chosen[c] === 1 : !full) && w.position + RECORD_FRAMING_BITS <= limit;
        if (go) {
          const mark = w.position;
          const s = bSlot[j]!;
          w.tiered(s - prev - 1);
          w.write(0, 2);
          prev = s;
          pass.records++;
          pass.leaves++;
          planning?.note(c, w.position - mark, LEAVE_PRIORITY);
        } else {
          if (!chosen) full = true;
          used = frame.copyAt(base!, j, n++, used);
          pass.deferred++;
        }
        j++;
      }
      if (i === count) break;
      const t = typeCol[slot]! - 1;
      if (t < 0) throw new InvalidArgumentError(`slot ${slot} in the view is empty`);
      const owned = owner !== 0 && ownerCol[slot] === owner ? 1 : 0;
      const k = t * 2 + owned;
      const typeOwned = owned === 1 ? (t | OWNED) >>> 0 : t;
      const gen = genCol[slot]! & GENERATION_MASK;
      const inBase = j < bn && bSlot[j] === slot;
      const kernel = kernels[k]!;
      if (inBase && bGen[j] === gen && bTO[j] === typeOwned) {
        const b0 = bAt[j]!;
        const at = used;
        fSlot[n] = slot;
        fGen[n] = gen;
        fTO[n] = typeOwned;
        fAt[n] = at;
        fSent[n] = bSent[j]!;
        const mask = kernel.update(slot, seq, codes, at, bCodes, b0);
        if (mask === 0) {
          // Unchanged: nothing to send, the entry equals the baseline's.
          n++;
          used += recordFields[k]!;
        } else {
          const c = candidate++;
          const go = (chosen ? chosen[c] === 1 : !full) && w.position + worstBits[k]! <= limit;
          if (go) {
            const mark = w.position;
            kernel.delta(mask, slot - prev - 1, codes, at, bCodes, b0, w);
            fSent[n] = tick;
            n++;
            used += recordFields[k]!;
            prev = slot;
            pass.records++;
            pass.updates++;
            planning?.note(c, w.position - mark, tick - bSent[j]!);
          } else {
            // Not this time: the client keeps the baseline's values.
            if (!chosen) full = true;
            used = frame.copyAt(base!, j, n++, used);
            pass.deferred++;
          }
        }
        j++;
      } else {
        const c = candidate++;
        const go = (chosen ? chosen[c] === 1 : !full) && w.position + worstBits[k]! <= limit;
        if (!go) {
          // Out of room: the client keeps what it has in this slot (or still lacks the entity).
          if (!chosen) full = true;
          if (inBase) {
            used = frame.copyAt(base!, j, n++, used);
            j++;
          }
          pass.deferred++;
          continue;
        }
        if (inBase) j++; // replaced: the enter says so
        const mark = w.position;
        w.tiered(slot - prev - 1);
        w.write(0b10, 2);
        w.write(gen, GENERATION_WIRE_BITS);
        w.write(t, typeBits);
        w.write(owned, 1);
        const at = used;
        fSlot[n] = slot;
        fGen[n] = gen;
        fTO[n] = typeOwned;
        fAt[n] = at;
        fSent[n] = tick;
        n++;
        used += recordFields[k]!;
        kernel.enter(slot, codes, at, w);
        prev = slot;
        pass.records++;
        pass.enters++;
        planning?.note(c, w.position - mark, ENTER_PRIORITY);
      }
    }
    frame.count = n;
    frame.used = used;
    return pass;
  }
}
