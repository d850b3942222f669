// The server side of a game-declared snapshot stream: one GameReplicator per client turns the
// entities in its view into GAME SNAPSHOT messages (format: game-frames.ts), each a delta
// against the newest frame the client acknowledged. Per field, the code is the stored value
// quantised to the declared precision; per component, a change mask says which components moved
// at all; owner-only fields go only to the entity's owner and server-only fields never leave.
//
// Memory per client, bounded by its options: (GAME_WINDOW + 1) frames of viewCapacity entities,
// each 16 bytes plus 4 per code (game.maxRecordFields codes at most), plus the message buffer.

import { InvalidArgumentError } from '../core/errors.js';
import { GENERATION_MASK } from '../core/entity-id.js';
import type { Game, GameDeclaration } from '../core/game.js';
import type { GameStore } from '../core/game-store.js';
import { compileKernels, type TypeKernels } from './game-kernels.js';
import { BitStreamWriter } from './bit-stream.js';
import {
  FrameRing, GAME_HEADER_BYTES, GAME_SNAPSHOT_VERSION, GAME_WINDOW, GENERATION_WIRE_BITS, MSG_GAME_SNAPSHOT
} from './game-frames.js';

export interface GameReplicatorOptions {
  /** Most entities the client's view holds at once. */
  readonly viewCapacity: number;
  /** Most bytes one message takes; records past it wait for a later tick. */
  readonly maxMessageBytes?: number;
  /** The client's player id: it receives owner-only fields of entities whose owner this is (0: none). */
  readonly owner?: number;
}

export interface GameReplicatorCounters {
  messages: number;
  bytes: number;
  enters: number;
  updates: number;
  leaves: number;
  /** Records that did not fit a message and wait for a later one. */
  deferred: number;
  /** Messages sent with no acknowledged baseline (every record an enter). */
  fulls: number;
}

const OWNED = 0x80000000;
/** Worst-case bits of a record's framing (gap, op, generation, type, owned). */
const RECORD_FRAMING_BITS = 42 + 2 + GENERATION_WIRE_BITS + 16 + 1;
/** Worst-case bits of one code (the longest tiered code). */
const CODE_BITS = 42;

/**
 * Per-field numbers of a game laid out flat for the encoder's inner loop (one object per game).
 */
export class FieldTable {
  readonly quantiser: Int32Array;
  readonly base: Float64Array;
  readonly scale: Float64Array;
  readonly modulus: Int32Array;
  readonly codeMin: Float64Array;
  readonly codeMax: Float64Array;
  readonly rawBits: Int32Array;
  readonly period: Int32Array;
  readonly signed: Uint8Array;

  constructor(game: Game) {
    const f = game.fields;
    this.quantiser = Int32Array.from(f, (p) => p.quantiser);
    this.base = Float64Array.from(f, (p) => p.base);
    this.scale = Float64Array.from(f, (p) => p.scale);
    this.modulus = Int32Array.from(f, (p) => p.modulus);
    this.codeMin = Float64Array.from(f, (p) => p.codeMin);
    this.codeMax = Float64Array.from(f, (p) => p.codeMax);
    this.rawBits = Int32Array.from(f, (p) => p.rawBits);
    this.period = Int32Array.from(f, (p) => p.period);
    this.signed = Uint8Array.from(f, (p) => (p.signed ? 1 : 0));
  }
}

const tables = new WeakMap<Game, FieldTable>();
export function fieldTable(game: Game): FieldTable {
  let t = tables.get(game);
  if (!t) tables.set(game, (t = new FieldTable(game)));
  return t;
}

/** The difference a delta carries: the short way round for a wrapped field, else 32-bit. */
export function codeDelta(modulus: number, code: number, base: number): number {
  if (modulus === 0) return (code - base) | 0;
  let d = (code - base) % modulus;
  if (d >= modulus >> 1) d -= modulus;
  else if (d < -(modulus >> 1)) d += modulus;
  return d;
}

export class GameReplicator<D extends GameDeclaration = GameDeclaration> {
  readonly game: Game<D>;
  readonly viewCapacity: number;
  readonly maxMessageBytes: number;
  owner: number;
  readonly counters: GameReplicatorCounters = { messages: 0, bytes: 0, enters: 0, updates: 0, leaves: 0, deferred: 0, fulls: 0 };
  private readonly frames: FrameRing;
  private readonly writer: BitStreamWriter;
  private readonly out: Uint8Array;
  private readonly kernels: readonly TypeKernels[];
  /** Per type and recipient class (type * 2 + owned): codes per record, worst-case bits. */
  private readonly recordFields: Int32Array;
  private readonly worstBits: Int32Array;
  private seq = 0;
  private acked = -1;
  private order = new Uint32Array(0);

  constructor(readonly store: GameStore<D>, options: GameReplicatorOptions) {
    this.game = store.game;
    this.frames = new FrameRing(this.game, options.viewCapacity);
    this.viewCapacity = options.viewCapacity;
    const maxBytes = options.maxMessageBytes ?? 64 * 1024;
    if (!Number.isInteger(maxBytes) || maxBytes < 64 || maxBytes > 1 << 24) {
      throw new InvalidArgumentError(`maxMessageBytes must be an integer in [64, ${1 << 24}], got ${maxBytes}`);
    }
    this.maxMessageBytes = maxBytes;
    this.owner = options.owner ?? 0;
    this.writer = new BitStreamWriter(maxBytes - GAME_HEADER_BYTES);
    this.out = new Uint8Array(maxBytes);
    this.kernels = compileKernels(this.game, store.columns);
    const plans = this.game.types.flatMap((t) => t.wire);
    this.recordFields = Int32Array.from(plans, (p) => p.fields.length);
    this.worstBits = Int32Array.from(plans, (p) => RECORD_FRAMING_BITS + p.components.length + p.fields.length * CODE_BITS);
  }

  /** Seq of the next message. */
  get nextSeq(): number {
    return this.seq;
  }

  /** Seq of the newest acknowledged frame, -1 if none. */
  get ackedSeq(): number {
    return this.acked;
  }

  /** Bytes this replicator holds (its stated cap). */
  get heldBytes(): number {
    return this.frames.bytes + this.out.byteLength + this.writer.bytes.byteLength;
  }

  /** The client received snapshot `seq`: later messages may be deltas against it. */
  ack(seq: number): void {
    if (!Number.isInteger(seq) || seq < 0 || seq >= this.seq) return;
    if (seq > this.acked && this.frames.find(seq)) this.acked = seq;
  }

  /** Forget everything acknowledged (the client lost its state): the next message is full. */
  reset(): void {
    this.acked = -1;
  }

  /**
   * The message for `tick` given the live slots in the client's view (`slots[0 .. count)`, any
   * order, no repeats). Returns a view of an internal buffer, valid until the next call.
   */
  encode(tick: number, slots: ArrayLike<number>, count: number): Uint8Array {
    if (!Number.isInteger(count) || count < 0 || count > this.viewCapacity || count > slots.length) {
      throw new InvalidArgumentError(`${count} entities in a view of capacity ${this.viewCapacity}`);
    }
    const order = this.sorted(slots, count);
    const store = this.store;
    const seq = this.seq++;
    const base = this.acked >= 0 && seq - this.acked < GAME_WINDOW ? this.frames.find(this.acked) : null;
    const frame = this.frames.next(seq, tick >>> 0);
    const w = this.writer;
    w.reset();
    const limit = w.capacityBits;
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
    const codes = frame.codes;
    const bn = base ? base.count : 0;
    const bSlot = base ? base.slot : fSlot;
    const bGen = base ? base.generation : fGen;
    const bTO = base ? base.typeOwned : fTO;
    const bAt = base ? base.at : fAt;
    const bCodes = base ? base.codes : codes;
    let n = 0;
    let used = 0;
    let records = 0;
    let enters = 0;
    let updates = 0;
    let leaves = 0;
    let deferred = 0;
    let prev = -1;
    let j = 0;
    let full = false;
    for (let i = 0; i <= count; i++) {
      const slot = i < count ? order[i]! : 0xffffffff;
      // Entities of the baseline before this slot left the view.
      while (j < bn && bSlot[j]! < slot) {
        if (!full && w.position + RECORD_FRAMING_BITS <= limit) {
          const s = bSlot[j]!;
          w.tiered(s - prev - 1);
          w.write(0, 2);
          prev = s;
          records++;
          leaves++;
        } else {
          full = true;
          frame.count = n;
          frame.used = used;
          frame.copyFrom(base!, j);
          n = frame.count;
          used = frame.used;
          deferred++;
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
      if (full || w.position + worstBits[k]! > limit) {
        // Out of room: the client keeps what it has of this entity (or still lacks it).
        full = true;
        if (inBase) {
          frame.count = n;
          frame.used = used;
          frame.copyFrom(base!, j);
          n = frame.count;
          used = frame.used;
          j++;
        }
        deferred++;
        continue;
      }
      const kernel = kernels[k]!;
      const at = used;
      fSlot[n] = slot;
      fGen[n] = gen;
      fTO[n] = typeOwned;
      fAt[n] = at;
      n++;
      used += recordFields[k]!;
      if (inBase && bGen[j] === gen && bTO[j] === typeOwned) {
        const b0 = bAt[j]!;
        const mask = kernel.update(slot, tick, codes, at, bCodes, b0);
        if (mask !== 0) {
          kernel.delta(mask, slot - prev - 1, codes, at, bCodes, b0, w);
          prev = slot;
          records++;
          updates++;
        }
        j++;
      } else {
        if (inBase) j++; // replaced: the enter says so
        w.tiered(slot - prev - 1);
        w.write(0b10, 2);
        w.write(gen, GENERATION_WIRE_BITS);
        w.write(t, typeBits);
        w.write(owned, 1);
        kernel.enter(slot, codes, at, w);
        prev = slot;
        records++;
        enters++;
      }
    }
    frame.count = n;
    frame.used = used;
    const c = this.counters;
    c.enters += enters;
    c.updates += updates;
    c.leaves += leaves;
    c.deferred += deferred;
    if (!base) c.fulls++;
    const bodyBytes = w.finish();
    const out = this.out;
    out[0] = MSG_GAME_SNAPSHOT;
    out[1] = GAME_SNAPSHOT_VERSION;
    const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
    dv.setUint32(2, seq >>> 0, true);
    dv.setUint32(6, tick >>> 0, true);
    out[10] = base ? seq - base.seq : 0;
    dv.setUint16(11, records, true);
    out.set(w.bytes.subarray(0, bodyBytes), GAME_HEADER_BYTES);
    this.frames.commit();
    const length = GAME_HEADER_BYTES + bodyBytes;
    this.counters.messages++;
    this.counters.bytes += length;
    return out.subarray(0, length);
  }

  /** The view's slots in ascending order (the caller's array when it already is). */
  private sorted(slots: ArrayLike<number>, count: number): ArrayLike<number> {
    let ascending = true;
    for (let i = 1; i < count && ascending; i++) ascending = slots[i - 1]! < slots[i]!;
    if (ascending) return slots;
    if (this.order.length < count) this.order = new Uint32Array(Math.max(count, this.order.length * 2));
    const o = this.order.subarray(0, count);
    for (let i = 0; i < count; i++) o[i] = slots[i]!;
    o.sort();
    for (let i = 1; i < count; i++) if (o[i] === o[i - 1]) throw new InvalidArgumentError(`slot ${o[i]} is in the view twice`);
    return o;
  }
}
