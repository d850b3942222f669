// The client side of a game-declared snapshot stream: GameReplica decodes GAME SNAPSHOT messages
// (format: game-frames.ts) against the frames it holds and is the client's typed view of what it
// was sent: which entities it sees, of which type, and every replicated field in API units
// (metres, booleans, enum names). A message that does not decode is rejected whole with a
// DecodeError and the view stays as it was.

import { DecodeError } from '../core/errors.js';
import { INDEX_BITS, INDEX_MASK, makeEntityId, type EntityId } from '../core/entity-id.js';
import { fieldOf, type FieldKey, type Game, type GameDeclaration, type TypeName } from '../core/game.js';
import { fromCode, type ApiValue } from '../core/game-fields.js';
import { BitStreamReader } from './bit-stream.js';
import {
  GAME_HEADER_BYTES, GAME_SNAPSHOT_VERSION, GAME_WINDOW, GENERATION_WIRE_BITS, MSG_GAME_SNAPSHOT, NO_INPUT_SEQ, type GameFrame,
} from './game-frames.js';
import { FrameRing } from './game-frame-ring.js';
import { compileDecodeKernels, type TypeDecodeKernels } from './game-decode-kernels.js';

const OWNED = 0x80000000;

export interface DecodedGameSnapshot {
  readonly seq: number;
  readonly tick: number;
  /** The newest of this client's inputs the game had applied at that tick, -1 for none. */
  readonly inputSeq: number;
  /** This client's inputs the server held then, not yet applied. */
  readonly inputQueue: number;
  /** The share of its full radius this client's view reached (a view narrowed in a crowd is less), 0 < s <= 1; 1 when the server does not say. */
  readonly viewScale: number;
  /** Seq of the frame it was a delta against, -1 for a full one. */
  readonly baselineSeq: number;
  readonly records: number;
}

export interface GameReplicaOptions {
  /** Most entities the view holds (the server's viewCapacity for this client, or more). */
  readonly viewCapacity: number;
}

/** A decoded entity as a plain object: `{ id, type, owned, position: { x, y }, ... }`. */
export interface ReplicatedEntity {
  readonly id: EntityId;
  readonly type: string;
  readonly owned: boolean;
  readonly [component: string]: unknown;
}

export class GameReplica<D extends GameDeclaration = GameDeclaration> {
  readonly game: Game<D>;
  readonly viewCapacity: number;
  /** Messages rejected, by reason (the DecodeError's first words). */
  readonly rejected = new Map<string, number>();
  private readonly frames: FrameRing;
  private readonly reader = new BitStreamReader();
  private readonly kernels: readonly TypeDecodeKernels[];
  /** Codes per record, by type * 2 + owned. */
  private readonly recordFields: Int32Array;
  private current: GameFrame | null = null;
  private newest = -1;
  /** Per kind (type * 2 + owned), each global field's place in the record, -1 where not sent; made at first use. */
  private readonly places: (Int32Array | undefined)[] = [];

  constructor(game: Game<D>, options: GameReplicaOptions) {
    this.game = game;
    this.viewCapacity = options.viewCapacity;
    this.frames = new FrameRing(game, options.viewCapacity);
    this.kernels = compileDecodeKernels(game);
    this.recordFields = Int32Array.from(game.types.flatMap((t) => t.wire), (p) => p.fields.length);
  }

  /** Bytes its frames hold (from the server's last baseline on, the spare and a few kept for reuse; each sized to the views it held). */
  get heldBytes(): number {
    return this.frames.bytes;
  }

  /** Frames it holds (the spare and those kept for reuse included). */
  get heldFrames(): number {
    return this.frames.held;
  }

  /** Seq of the newest decoded snapshot (what the client acknowledges), -1 before the first. */
  get newestSeq(): number {
    return this.newest;
  }

  /** Server tick of the newest decoded snapshot. */
  get tick(): number {
    return this.current?.tick ?? 0;
  }

  /** Entities in view. */
  get size(): number {
    return this.current?.count ?? 0;
  }

  /** Decodes one message. Throws DecodeError (and changes nothing) when it does not decode. */
  decode(bytes: Uint8Array): DecodedGameSnapshot {
    try {
      return this.decodeOrThrow(bytes);
    } catch (e) {
      if (e instanceof DecodeError) {
        const reason = e.message.split(':')[0]!;
        this.rejected.set(reason, (this.rejected.get(reason) ?? 0) + 1);
      }
      throw e;
    }
  }

  /** The id of the i-th entity in view (ascending by slot). */
  idAt(i: number): EntityId {
    const f = this.frameOrEmpty();
    return makeEntityId(f.slot[i]!, f.generation[i]!);
  }

  typeAt(i: number): TypeName<D> {
    return this.game.types[this.frameOrEmpty().typeOwned[i]! & ~OWNED]!.name as TypeName<D>;
  }

  ownedAt(i: number): boolean {
    return (this.frameOrEmpty().typeOwned[i]! & OWNED) !== 0;
  }

  has(id: EntityId): boolean {
    return this.find(id) >= 0;
  }

  /**
   * Field `key` of entity `id` in API units; undefined when the entity is not in view or this
   * client is not sent that field (another type's component, an owner-only field of an entity it
   * does not own, a server-only field).
   */
  value(id: EntityId, key: FieldKey<D>): ApiValue | undefined {
    const i = this.find(id);
    return i < 0 ? undefined : this.valueAt(i, fieldOf(this.game, key));
  }

  /** Field f (global index) of the i-th entity in view, or undefined where it is not sent. */
  valueAt(i: number, f: number): ApiValue | undefined {
    const frame = this.frameOrEmpty();
    const k = this.placeOf(frame.typeOwned[i]!, f);
    return k < 0 ? undefined : fromCode(this.game.fields[f]!, frame.codes[frame.at[i]! + k]!);
  }

  /** Where field f sits in the records of an entity of typeOwned `to` (a frame entry's), -1 where not sent. */
  private placeOf(to: number, f: number): number {
    const kind = ((to & ~OWNED) << 1) | (to >>> 31);
    const places = this.places[kind] ?? this.placesOf(kind);
    return f >= 0 && f < places.length ? places[f]! : -1;
  }

  private placesOf(kind: number): Int32Array {
    const places = new Int32Array(this.game.fields.length).fill(-1);
    const plan = this.game.types[kind >> 1]!.wire[kind & 1]!;
    for (let k = 0; k < plan.fields.length; k++) places[plan.fields[k]!] = k;
    this.places[kind] = places;
    return places;
  }

  /** The wire code of field f (global index) of entity `id`, or undefined where it is not in view or not sent. */
  codeOf(id: EntityId, f: number): number | undefined {
    const i = this.find(id);
    if (i < 0) return undefined;
    const frame = this.current!;
    const k = this.placeOf(frame.typeOwned[i]!, f);
    return k < 0 ? undefined : frame.codes[frame.at[i]! + k]!;
  }

  /** The entity as a plain object of components (allocates: for tools, tests and UI). */
  entity(id: EntityId): ReplicatedEntity | undefined {
    const i = this.find(id);
    if (i < 0) return undefined;
    const frame = this.current!;
    const to = frame.typeOwned[i]!;
    const plan = this.game.types[to & ~OWNED]!.wire[(to & OWNED) !== 0 ? 1 : 0];
    const out: Record<string, unknown> = { id, type: this.game.types[to & ~OWNED]!.name, owned: (to & OWNED) !== 0 };
    for (let c = 0; c < plan.components.length; c++) {
      const comp: Record<string, ApiValue> = {};
      for (let k = plan.start[c]!; k < plan.start[c + 1]!; k++) {
        const f = this.game.fields[plan.fields[k]!]!;
        comp[f.name.slice(f.name.indexOf('.') + 1)] = fromCode(f, frame.codes[frame.at[i]! + k]!);
      }
      out[this.game.components[plan.components[c]!]!.name] = comp;
    }
    return out as ReplicatedEntity;
  }

  /**
   * The entity's place in the current frame, -1 when not in view: a binary search, since a
   * frame's entries are in ascending slot order (the wire's records are, and the decode merges
   * them with the baseline's in order), one entry a slot.
   */
  private find(id: EntityId): number {
    const frame = this.current;
    if (!frame) return -1;
    const slot = id & INDEX_MASK;
    const slots = frame.slot;
    let lo = 0;
    let hi = frame.count - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const s = slots[mid]!;
      if (s < slot) lo = mid + 1;
      else if (s > slot) hi = mid - 1;
      else return frame.generation[mid] === id >>> INDEX_BITS ? mid : -1;
    }
    return -1;
  }

  private frameOrEmpty(): GameFrame {
    if (!this.current) throw new DecodeError('view: no snapshot decoded yet');
    return this.current;
  }

  private decodeOrThrow(bytes: Uint8Array): DecodedGameSnapshot {
    if (bytes.byteLength < GAME_HEADER_BYTES) throw new DecodeError(`truncated: ${bytes.byteLength} bytes, the header takes ${GAME_HEADER_BYTES}`);
    if (bytes[0] !== MSG_GAME_SNAPSHOT) throw new DecodeError(`not_a_snapshot: type byte ${bytes[0]}`);
    if (bytes[1] !== GAME_SNAPSHOT_VERSION) throw new DecodeError(`bad_version: ${bytes[1]}, this decoder speaks ${GAME_SNAPSHOT_VERSION}`);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const seq = dv.getUint32(2, true);
    const tick = dv.getUint32(6, true);
    const age = bytes[10]!;
    const records = dv.getUint16(11, true);
    const rawInputSeq = dv.getUint32(13, true);
    const inputSeq = rawInputSeq === NO_INPUT_SEQ ? -1 : rawInputSeq;
    const inputQueue = bytes[17]!;
    const viewScale = bytes[18] === 0 ? 1 : bytes[18]! / 255;
    if (seq <= this.newest) throw new DecodeError(`stale: seq ${seq}, newest ${this.newest}`);
    if (age >= GAME_WINDOW || age > seq) throw new DecodeError(`unknown_baseline: age ${age}`);
    let base: GameFrame | null = null;
    if (age > 0) {
      base = this.frames.find(seq - age);
      if (!base) throw new DecodeError(`unknown_baseline: frame ${seq - age} is not held`);
    }
    const frame = this.frames.next(seq, tick);
    // Each entry is carried from the baseline (at most base.used codes in all) or comes with a record.
    frame.ensure((base ? base.count : 0) + records, (base ? base.used : 0) + records * this.game.maxRecordFields);
    const r = this.reader;
    r.begin(bytes, GAME_HEADER_BYTES);
    const cap = this.viewCapacity;
    const bn = base ? base.count : 0;
    let j = 0;
    let prev = -1;
    for (let n = 0; n < records; n++) {
      const slot = prev + 1 + r.tiered();
      if (r.overrun) throw new DecodeError(`truncated: record ${n} of ${records}`);
      if (slot > 0xfffff) throw new DecodeError(`slot_out_of_range: ${slot}`);
      prev = slot;
      while (j < bn && base!.slot[j]! < slot) {
        if (frame.count >= cap) throw new DecodeError(`count_too_large: more than ${cap} entities`);
        frame.copyFrom(base!, j++);
      }
      const inBase = j < bn && base!.slot[j] === slot;
      if (r.read(1) === 1) {
        if (!inBase) throw new DecodeError(`unknown_entity: update of slot ${slot}, not in the baseline`);
        this.update(frame, base!, j++, slot);
      } else if (r.read(1) === 1) {
        if (inBase) j++;
        if (frame.count >= cap) throw new DecodeError(`count_too_large: more than ${cap} entities`);
        this.enter(frame, slot);
      } else {
        if (!inBase) throw new DecodeError(`unknown_entity: leave of slot ${slot}, not in the baseline`);
        j++;
      }
      if (r.overrun) throw new DecodeError(`truncated: record ${n} of ${records}`);
    }
    while (j < bn) {
      if (frame.count >= cap) throw new DecodeError(`count_too_large: more than ${cap} entities`);
      frame.copyFrom(base!, j++);
    }
    if (r.remaining >= 8) throw new DecodeError(`trailing_bytes: ${r.remaining >> 3} bytes after the last record`);
    this.current = this.frames.commit();
    this.newest = seq;
    // The server's baseline only moves forward (its newest acknowledgement): frames older than
    // this one are never a baseline again. Kept, they made a replica hold the whole window (33
    // frames of its view: hundreds of kilobytes a bot, where a bot process holds hundreds).
    if (base) this.frames.release(base.seq);
    return { seq, tick, inputSeq, inputQueue, viewScale, baselineSeq: base ? base.seq : -1, records };
  }

  private update(frame: GameFrame, base: GameFrame, j: number, slot: number): void {
    const to = base.typeOwned[j]!;
    const k = (to & 0x7fffffff) * 2 + ((to & OWNED) !== 0 ? 1 : 0);
    const at = frame.begin(slot, base.generation[j]!, to);
    frame.used = at + this.recordFields[k]!;
    const result = this.kernels[k]!.update(this.reader, frame.codes, at, base.codes, base.at[j]!);
    if (result === -1) throw new DecodeError(`empty_update: slot ${slot} changed nothing`);
    if (result > 0) throw new DecodeError(`code_out_of_range: ${this.fieldName(k, result - 1)}`);
  }

  private enter(frame: GameFrame, slot: number): void {
    const r = this.reader;
    const gen = r.read(GENERATION_WIRE_BITS);
    const type = r.read(this.game.typeBits);
    const owned = r.read(1) === 1;
    if (type >= this.game.types.length) throw new DecodeError(`unknown_type: ${type}`);
    const k = type * 2 + (owned ? 1 : 0);
    const at = frame.begin(slot, gen, owned ? (type | OWNED) >>> 0 : type);
    frame.used = at + this.recordFields[k]!;
    const result = this.kernels[k]!.enter(r, frame.codes, at);
    if (result > 0) throw new DecodeError(`code_out_of_range: ${this.fieldName(k, result - 1)}`);
  }

  /** The name of the i-th field of plan k (type * 2 + owned), for a refusal. */
  private fieldName(k: number, i: number): string {
    return this.game.fields[this.game.types[k >> 1]!.wire[k & 1]!.fields[i]!]!.name;
  }
}
