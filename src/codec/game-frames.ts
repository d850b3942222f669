// What the game snapshot encoder (game-snapshot.ts) and decoder (game-replica.ts) each keep per
// client: the last WINDOW frames, a frame being the full replicated state of one snapshot (the
// entities in the client's view, ascending by slot, and each one's wire codes). A delta names
// the acknowledged frame it is against; both sides rebuild the same next frame from it.
//
// Wire format of GAME SNAPSHOT (server -> client, unreliable-sequenced):
// | off | type | field                                                                    |
// |   0 | u8   | type = MSG_GAME_SNAPSHOT                                                 |
// |   1 | u8   | GAME_SNAPSHOT_VERSION                                                    |
// |   2 | u32  | seq: this snapshot's number for this client, +1 each                     |
// |   6 | u32  | server tick the state is from                                            |
// |  10 | u8   | baseline age: seq - the acknowledged frame's seq (1..WINDOW-1); 0: none, |
// |     |      |   every record is an enter                                               |
// |  11 | u16  | record count                                                             |
// |  13 | u32  | input seq: the recipient's newest input the game has applied as of this  |
// |     |      |   tick (0xffffffff: none yet); a predicting client replays those after it|
// |  17 | u8   | input queue: the recipient's inputs the server holds, not yet applied    |
// |     |      |   (at most 255): a predicting client steers its input clock by it        |
// |  18 | u8   | view scale: the share of its full radius the recipient's view reached   |
// |     |      |   this tick, in 255ths (a view narrowed in a crowd is less); 0: not said |
// |  19 | bits | records, ascending by slot (bit-stream.ts: LSB first, tiered codes)      |
// Record:
// | part   | bits                                                                            |
// |--------|---------------------------------------------------------------------------------|
// | gap    | tiered: slot - previous record's slot - 1 (the first: slot)                     |
// | op     | 1: update; 0 1: enter; 0 0: leave                                               |
// | update | one bit per component the recipient is sent of the entity's type (its change    |
// |        |   mask), then for each changed component each field's delta: tiered signed code |
// |        |   difference (a wrapped field: the short way round its circle)                  |
// | enter  | generation 12, type (game.typeBits), owned 1 (the recipient owns it: its        |
// |        |   owner-only fields follow too), then each field's code: raw bits from the      |
// |        |   field's minimum when it has a range, else tiered signed                       |
// | leave  | nothing: the entity left the view                                               |
// An entity of the baseline that no record names is unchanged. The decoder rejects a message
// whole (and keeps its state) when a field runs past the end, a count or slot is out of range,
// records are not ascending, a code lies outside its field's range, the baseline is not held,
// or a byte is left over.

import { InvalidArgumentError } from '../core/errors.js';

export const MSG_GAME_SNAPSHOT = 0xc8;
export const GAME_SNAPSHOT_VERSION = 3;
export const GAME_HEADER_BYTES = 19;
/** The input seq field's value before the recipient's first input was applied. */
export const NO_INPUT_SEQ = 0xffffffff;
/** Frames each side keeps: a baseline is at most WINDOW - 1 snapshots old. */
export const GAME_WINDOW = 32;
export const MAX_GAME_VIEW = 65_535;
export const GENERATION_WIRE_BITS = 12;

/** Entries a frame starts with; it grows (ensure) to what its views hold, up to the capacity. */
const INITIAL_ENTRIES = 64;

/**
 * Where a frame's arrays live when not in the JavaScript heap: blocks of a WebAssembly memory
 * (game-wasm-kernels.ts: the encoder's compiled kernels read the frames where they are).
 */
export interface FrameMemory {
  /** A zeroed block of at least `bytes` bytes, 16-byte aligned; free() gives it back. */
  take(bytes: number): FrameBlock;
}

export interface FrameBlock {
  readonly buffer: ArrayBufferLike;
  readonly byteOffset: number;
  free(): void;
}

/** Blocks of frames nobody disposed, given back once the frame is collected (a replicator dropped without dispose()). */
const orphans = new FinalizationRegistry<Set<FrameBlock>>((blocks) => {
  for (const b of blocks) b.free();
});

/** The largest a ring's frames were grown to: a frame made later starts there, not at INITIAL_ENTRIES. */
export interface SizeHint {
  entries: number;
  codes: number;
}

/**
 * One snapshot's replicated state. Its arrays grow with the views it holds (never past the
 * capacity), so a client that sees 100 entities holds frames of about 100, whatever the cap.
 */
export class GameFrame {
  seq = -1;
  tick = 0;
  count = 0;
  /** Codes used in `codes`. */
  used = 0;
  slot: Uint32Array<ArrayBufferLike> = new Uint32Array(0);
  generation: Uint32Array<ArrayBufferLike> = new Uint32Array(0);
  /** Type index, and bit 31 set when the recipient owns the entity. */
  typeOwned: Uint32Array<ArrayBufferLike> = new Uint32Array(0);
  /** Where each entity's codes start in `codes`. */
  at: Uint32Array<ArrayBufferLike> = new Uint32Array(0);
  /** Encoder only: the tick a record last carried the entity (its priority's age). */
  sent: Uint32Array<ArrayBufferLike> = new Uint32Array(0);
  codes: Int32Array<ArrayBufferLike> = new Int32Array(0);
  private readonly recordFields: number;
  /** With a memory: the blocks its entry arrays and its codes take there. */
  private entryBlock: FrameBlock | null = null;
  private codeBlock: FrameBlock | null = null;
  private readonly blocks: Set<FrameBlock> | null;

  constructor(readonly capacity: number, recordFields: number, private readonly hint: SizeHint = { entries: 0, codes: 0 }, private readonly memory: FrameMemory | null = null) {
    this.recordFields = Math.max(1, recordFields);
    this.blocks = memory ? new Set() : null;
    if (this.blocks) orphans.register(this, this.blocks, this);
    this.allocate(Math.min(capacity, Math.max(INITIAL_ENTRIES, hint.entries)));
    this.allocateCodes(Math.max(Math.min(capacity, INITIAL_ENTRIES) * this.recordFields, hint.codes));
  }

  /** Gives its memory's blocks back (a frame in the JavaScript heap has none); it holds nothing after. */
  dispose(): void {
    if (!this.blocks) return;
    for (const b of this.blocks) b.free();
    this.blocks.clear();
    orphans.unregister(this);
    this.entryBlock = this.codeBlock = null;
    this.slot = this.generation = this.typeOwned = this.at = this.sent = new Uint32Array(0);
    this.codes = new Int32Array(0);
    this.count = this.used = 0;
  }

  /**
   * Room for `entities` (clamped to the capacity) holding `codes` codes in all. Call on a cleared
   * frame: contents are not kept. Each grows by at least a quarter, so a view that creeps up does
   * not reallocate every tick, and no further: a frame holds about what its views need (the codes
   * by each type's own record, not the longest one's).
   */
  ensure(entities: number, codes = entities * this.recordFields): void {
    const want = Math.min(entities, this.capacity);
    if (this.slot.length < want) {
      this.allocate(Math.min(this.capacity, Math.max(want, Math.ceil(this.slot.length * 1.25))));
      this.hint.entries = Math.max(this.hint.entries, this.slot.length);
    }
    // Never past what a full frame of the longest records takes: a message's claimed record count
    // (a hostile one's too) cannot make a frame hold more than its capacity allows.
    const most = this.capacity * this.recordFields;
    const need = Math.min(codes, most);
    if (this.codes.length < need) {
      this.allocateCodes(Math.min(most, Math.max(need, Math.ceil(this.codes.length * 1.25))));
      this.hint.codes = Math.max(this.hint.codes, this.codes.length);
    }
  }

  private allocate(n: number): void {
    const memory = this.memory;
    if (!memory) {
      this.slot = new Uint32Array(n);
      this.generation = new Uint32Array(n);
      this.typeOwned = new Uint32Array(n);
      this.at = new Uint32Array(n);
      this.sent = new Uint32Array(n);
      return;
    }
    // One block for the five arrays, each 16-byte aligned.
    const stride = Math.ceil(Math.max(1, n) / 4) * 16;
    const block = this.swap(this.entryBlock, memory.take(stride * 5));
    this.entryBlock = block;
    const at = (k: number) => new Uint32Array(block.buffer, block.byteOffset + k * stride, n);
    this.slot = at(0);
    this.generation = at(1);
    this.typeOwned = at(2);
    this.at = at(3);
    this.sent = at(4);
  }

  private allocateCodes(n: number): void {
    if (!this.memory) {
      this.codes = new Int32Array(n);
      return;
    }
    const block = this.swap(this.codeBlock, this.memory.take(Math.max(16, n * 4)));
    this.codeBlock = block;
    this.codes = new Int32Array(block.buffer, block.byteOffset, n);
  }

  /** Frees `old` (if any) and tracks `fresh` in its place. */
  private swap(old: FrameBlock | null, fresh: FrameBlock): FrameBlock {
    if (old) {
      old.free();
      this.blocks!.delete(old);
    }
    this.blocks!.add(fresh);
    return fresh;
  }

  /** Bytes its arrays take. */
  get bytes(): number {
    return this.slot.byteLength * 5 + this.codes.byteLength;
  }

  clear(seq: number, tick: number): void {
    this.seq = seq;
    this.tick = tick;
    this.count = 0;
    this.used = 0;
  }

  /** Appends entity i of `from` unchanged. */
  copyFrom(from: GameFrame, i: number): void {
    const n = this.count++;
    this.slot[n] = from.slot[i]!;
    this.generation[n] = from.generation[i]!;
    this.typeOwned[n] = from.typeOwned[i]!;
    this.at[n] = this.used;
    this.sent[n] = from.sent[i]!;
    const a = from.at[i]!;
    const b = i + 1 < from.count ? from.at[i + 1]! : from.used;
    const src = from.codes;
    const dst = this.codes;
    let o = this.used;
    for (let k = a; k < b; k++) dst[o++] = src[k]!; // a loop: subarray() allocates
    this.used = o;
  }

  /**
   * Writes entity i of `from` unchanged as entry n with its codes from `used` on; returns where
   * its codes end. The encoder's walk keeps n and used in its own locals (count and used are set
   * when it is done).
   */
  copyAt(from: GameFrame, i: number, n: number, used: number): number {
    this.slot[n] = from.slot[i]!;
    this.generation[n] = from.generation[i]!;
    this.typeOwned[n] = from.typeOwned[i]!;
    this.at[n] = used;
    this.sent[n] = from.sent[i]!;
    const a = from.at[i]!;
    const b = i + 1 < from.count ? from.at[i + 1]! : from.used;
    const src = from.codes;
    const dst = this.codes;
    let o = used;
    for (let k = a; k < b; k++) dst[o++] = src[k]!;
    return o;
  }

  /** Appends an entity whose codes the caller writes at codes[used ...] and then adds. */
  begin(slot: number, generation: number, typeOwned: number, sent = 0): number {
    const n = this.count++;
    this.sent[n] = sent;
    this.slot[n] = slot;
    this.generation[n] = generation;
    this.typeOwned[n] = typeOwned;
    this.at[n] = this.used;
    return this.used;
  }
}

export function checkViewCapacity(viewCapacity: number): void {
  if (!Number.isInteger(viewCapacity) || viewCapacity < 1 || viewCapacity > MAX_GAME_VIEW) {
    throw new InvalidArgumentError(`viewCapacity must be an integer in [1, ${MAX_GAME_VIEW}], got ${viewCapacity}`);
  }
}

/** The baseline's entities not in a view, and their codes (measureLeavers). */
export interface Leavers {
  entries: number;
  codes: number;
}

/**
 * The baseline's entities not in `order[0 .. count)` (ascending), and their codes: the most a
 * new frame carries beside the view (a leave that does not fit keeps its entity). So a frame is
 * sized to what it holds, not to the view and the whole baseline, which doubled every client's
 * frames and had them grow again and again as views changed.
 */
export function measureLeavers(order: ArrayLike<number>, count: number, base: GameFrame | null, out: Leavers): void {
  let entries = 0;
  let codes = 0;
  if (base) {
    const bSlot = base.slot;
    const bAt = base.at;
    const bn = base.count;
    let i = 0;
    for (let j = 0; j < bn; j++) {
      const slot = bSlot[j]!;
      while (i < count && order[i]! < slot) i++;
      if (i < count && order[i] === slot) continue;
      entries++;
      codes += (j + 1 < bn ? bAt[j + 1]! : base.used) - bAt[j]!;
    }
  }
  out.entries = entries;
  out.codes = codes;
}
