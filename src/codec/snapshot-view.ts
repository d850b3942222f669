// SnapshotView: a client's copy of what the server lets it see, kept up to date by applying the
// snapshots interest management sends (wire format: assembly/codec/snapshot-spec.ts). The
// decoding runs in chronos.wasm (snapshot_decode) over arena memory, the same bytes in Node bots
// and in the browser; this class copies each message into the arena and reads the result.
//
//   const view = SnapshotView.create(arena, decodeCodecParams(paramsBytes));
//   client.on(SNAPSHOT_CHANNEL, (bytes) => view.apply(bytes));   // throws DecodeError on garbage
//   for (let h = 0; h < view.handles; h++) if (view.has(h)) view.positionInto(h, out);
//
// A rejected message changes nothing but `rejected` (the kernel parses everything before it
// commits); a message older than the newest applied is ignored and counted as stale.

import { DecodeError, InvalidArgumentError } from '../core/errors.js';
import { FX_ONE } from '../core/fixed.js';
import type { Arena, Region } from '../wasm/arena.js';
import { codecKernels, type CodecKernels } from './codec-kernels.js';
import {
  BASELINE_WINDOW, DECODE_REASONS, DECODE_STALE, EVENTS_MAX, PAYLOAD_MAX, ROTATION_MODES, checkCodecParams,
  type CodecParams,
} from './snapshot-spec.js';

/** Client view layout (assembly/codec/snapshot-decode.ts). */
const VIEW_HEADER_BYTES = 128;
const VIEW_COLS = 5;
const RING_REC_BYTES = 44;
const SCRATCH_REC_BYTES = 48;
const EVENT_REC_BYTES = 24;
const V = { seq: 44, tick: 48, events: 56, records: 60, present: 64, accepted: 80, rejected: 84, stale: 88 } as const;
/** Largest snapshot a view accepts; the pipeline's own ceiling is far below. */
export const MAX_SNAPSHOT_BYTES = 256 * 1024;
const TWO_PI = 2 * Math.PI;

let nextViewId = 0;

export interface SnapshotEvent {
  kind: number;
  /** Position in metres (quantised like entity positions). */
  x: number;
  y: number;
  z: number;
  /** A view into the view's scratch: valid until the next apply. */
  payload: Uint8Array;
}

/** Every entity a view holds, read at once (collectInto): parallel arrays, `count` valid. */
export interface ViewBodies {
  count: number;
  handles: Uint16Array;
  ids: Uint32Array;
  /** Position, metres, and velocity, metres per tick, as of `tick`. */
  x: Float64Array;
  y: Float64Array;
  z: Float64Array;
  vx: Float64Array;
  vy: Float64Array;
  vz: Float64Array;
  yaw: Float64Array;
  hp: Int32Array;
  state: Uint32Array;
  /** Server tick of each entity's newest record. */
  tick: Uint32Array;
}

export function createViewBodies(handles: number): ViewBodies {
  return {
    count: 0, handles: new Uint16Array(handles), ids: new Uint32Array(handles),
    x: new Float64Array(handles), y: new Float64Array(handles), z: new Float64Array(handles),
    vx: new Float64Array(handles), vy: new Float64Array(handles), vz: new Float64Array(handles), yaw: new Float64Array(handles),
    hp: new Int32Array(handles), state: new Uint32Array(handles), tick: new Uint32Array(handles),
  };
}

export class SnapshotView {
  readonly arena: Arena;
  readonly params: CodecParams;
  /** Handles the view holds (2^handleBits). */
  readonly handles: number;
  private readonly k: CodecKernels;
  private readonly region: Region;
  private input: Region;
  private readonly unitM: number;
  private readonly velUnitMpt: number;
  private readonly quatOut: Region;
  private disposed = false;

  static create(arena: Arena, params: CodecParams, name = `snapshot-view-${nextViewId++}`): SnapshotView {
    checkCodecParams(params);
    const k = codecKernels(arena.wasm);
    const handles = 1 << params.handleBits;
    const expect = [VIEW_HEADER_BYTES, VIEW_COLS, RING_REC_BYTES, SCRATCH_REC_BYTES, EVENT_REC_BYTES, BASELINE_WINDOW];
    expect.forEach((value, what) => {
      if (k.snapshot_view_layout(what) !== value) throw new InvalidArgumentError(`chronos.wasm snapshot view layout ${what} differs (rebuild)`);
    });
    return new SnapshotView(arena, params, handles, k, name);
  }

  private constructor(arena: Arena, params: CodecParams, handles: number, k: CodecKernels, name: string) {
    this.arena = arena;
    this.params = params;
    this.handles = handles;
    this.k = k;
    this.region = arena.allocate(name, k.snapshot_view_bytes(handles));
    this.input = arena.allocate(`${name}:input`, 4096 + 16);
    this.quatOut = arena.allocate(`${name}:quat`, 32);
    k.snapshot_view_init(
      this.region.ptr, handles, params.handleBits, params.posShift, params.velShift, params.yawBits, params.quatBits,
      params.cellShift, ROTATION_MODES.indexOf(params.rotation), params.velocity ? 1 : 0,
    );
    this.unitM = 2 ** params.posShift / FX_ONE;
    this.velUnitMpt = 2 ** params.velShift / FX_ONE;
  }

  /**
   * Applies one snapshot. Returns the records applied, or -1 for a stale message (older than
   * the newest applied: ignored and counted). Throws DecodeError naming the reason for anything
   * malformed; the view is then exactly as before.
   */
  apply(bytes: Uint8Array): number {
    const code = this.tryApply(bytes);
    if (code === DECODE_STALE) return -1;
    if (code < 0) throw new DecodeError(`snapshot rejected: ${DECODE_REASONS[code] ?? `code ${code}`} (${bytes.byteLength} bytes)`);
    return code;
  }

  /** As apply, returning the kernel's code (negative: rejected, see DECODE_REASONS) instead of throwing. */
  tryApply(bytes: Uint8Array): number {
    this.live();
    if (bytes.byteLength > MAX_SNAPSHOT_BYTES) return -11;
    if (bytes.byteLength + 8 > this.input.byteLength) {
      this.arena.release(this.input);
      this.input = this.arena.allocate(`${this.region.name}:input#${bytes.byteLength}`, bytes.byteLength + 16);
    }
    const input = this.input.bytes();
    input.set(bytes);
    // The reader may load up to 8 bytes past the end: keep them zero.
    input.fill(0, bytes.byteLength, bytes.byteLength + 8);
    return this.k.snapshot_decode(this.region.ptr, this.input.ptr, bytes.byteLength);
  }

  private u32(): Uint32Array {
    return this.region.view('u32', 0, this.region.byteLength >>> 2);
  }

  private header(field: keyof typeof V): number {
    return this.u32()[V[field] / 4]!;
  }

  /** Newest snapshot applied: its number and the server tick of its state. */
  get seq(): number {
    return this.header('seq');
  }
  get tick(): number {
    return this.header('tick');
  }
  /** Handles that hold an entity. */
  get count(): number {
    return this.header('present');
  }
  get accepted(): number {
    return this.header('accepted');
  }
  get rejected(): number {
    return this.header('rejected');
  }
  get stale(): number {
    return this.header('stale');
  }
  /** Records and events in the last applied snapshot. */
  get lastRecords(): number {
    return this.header('records');
  }
  get lastEvents(): number {
    return this.header('events');
  }

  private column(c: number): number {
    return VIEW_HEADER_BYTES / 4 + c * this.handles;
  }

  has(handle: number): boolean {
    return this.u32()[this.column(1) + this.check(handle)]! !== 0;
  }

  /** Entity id (slot | generation << 20) on `handle`. */
  idOf(handle: number): number {
    return this.u32()[this.column(0) + this.check(handle)]!;
  }

  /** Handle holding entity `id`, or -1 (a scan: for tools and tests). */
  handleOf(id: number): number {
    const u = this.u32();
    const ids = this.column(0), active = this.column(1);
    for (let h = 0; h < this.handles; h++) if (u[active + h] !== 0 && u[ids + h] === id) return h;
    return -1;
  }

  /** Word offset (in the region's u32 view) of handle h's newest record. */
  private recordWord(handle: number): number {
    const u = this.u32();
    const head = u[this.column(3) + handle]!;
    const ringBase = VIEW_HEADER_BYTES + VIEW_COLS * this.handles * 4;
    return (ringBase + (handle * BASELINE_WINDOW + head) * RING_REC_BYTES + 8) / 4;
  }

  /** Snapshot seq and server tick of `handle`'s newest record. */
  recordSeqOf(handle: number): number {
    return this.u32()[this.recordWord(this.check(handle)) - 2]!;
  }

  recordTickOf(handle: number): number {
    return this.u32()[this.recordWord(this.check(handle)) - 1]!;
  }

  /** The quantised record of `handle` (wire units): x y z, vx vy vz, rotation, hp, state. */
  recordInto(handle: number, out: Int32Array): Int32Array {
    this.check(handle);
    const i32 = this.region.view('i32', 0, this.region.byteLength >>> 2);
    const w = this.recordWord(handle);
    for (let i = 0; i < 9; i++) out[i] = i32[w + i]!;
    return out;
  }

  /** Position of `handle` in metres into out[0..3). */
  positionInto(handle: number, out: Float64Array | number[]): void {
    this.check(handle);
    const i32 = this.region.view('i32', 0, this.region.byteLength >>> 2);
    const w = this.recordWord(handle);
    out[0] = i32[w]! * this.unitM;
    out[1] = i32[w + 1]! * this.unitM;
    out[2] = i32[w + 2]! * this.unitM;
  }

  /** Velocity of `handle` in metres per tick into out[0..3) (zero when not replicated). */
  velocityInto(handle: number, out: Float64Array | number[]): void {
    this.check(handle);
    const i32 = this.region.view('i32', 0, this.region.byteLength >>> 2);
    const w = this.recordWord(handle);
    out[0] = i32[w + 3]! * this.velUnitMpt;
    out[1] = i32[w + 4]! * this.velUnitMpt;
    out[2] = i32[w + 5]! * this.velUnitMpt;
  }

  /** Yaw of `handle` in radians, [-pi, pi) (rotation mode 'yaw'). */
  yawOf(handle: number): number {
    const code = this.u32()[this.recordWord(this.check(handle)) + 6]!;
    const bits = this.params.yawBits;
    const signed = code >= 1 << (bits - 1) ? code - (1 << bits) : code;
    return (signed * TWO_PI) / (1 << bits);
  }

  /** Orientation of `handle` as a unit quaternion (x, y, z, w) into out (rotation mode 'quaternion'). */
  quaternionInto(handle: number, out: Float64Array | number[]): void {
    const code = this.u32()[this.recordWord(this.check(handle)) + 6]!;
    this.k.quat_unpack(code, this.params.quatBits, this.quatOut.ptr);
    const f = this.quatOut.view('f64', 0, 4);
    for (let i = 0; i < 4; i++) out[i] = f[i]!;
  }

  hpOf(handle: number): number {
    const i32 = this.region.view('i32', 0, this.region.byteLength >>> 2);
    return i32[this.recordWord(this.check(handle)) + 7]!;
  }

  stateOf(handle: number): number {
    return this.u32()[this.recordWord(this.check(handle)) + 8]!;
  }

  /**
   * Every entity the view holds, in handle order, with one read of the region (the per-handle
   * accessors each build a view: fine for a few, not for a whole view per snapshot). Positions
   * are those of each entity's newest record, moved on by its velocity to `atTick` when given
   * (at most `maxAheadTicks` ahead of the record: what a record of a slow zone says now).
   */
  collectInto(out: ViewBodies, atTick?: number, maxAheadTicks = 60): number {
    this.live();
    const u = this.u32();
    const i32 = new Int32Array(u.buffer, u.byteOffset, u.length);
    const ids = this.column(0), active = this.column(1), heads = this.column(3);
    const ringBase = VIEW_HEADER_BYTES + VIEW_COLS * this.handles * 4;
    const unit = this.unitM, vel = this.velUnitMpt;
    const bits = this.params.yawBits;
    const yaw = this.params.rotation === 'yaw';
    const n = Math.min(this.handles, out.ids.length);
    let k = 0;
    for (let h = 0; h < n; h++) {
      if (u[active + h] === 0) continue;
      const w = (ringBase + (h * BASELINE_WINDOW + u[heads + h]!) * RING_REC_BYTES + 8) / 4;
      const tick = u[w - 1]!;
      const ahead = atTick === undefined ? 0 : Math.max(0, Math.min(maxAheadTicks, atTick - tick));
      out.handles[k] = h;
      out.ids[k] = u[ids + h]!;
      out.vx[k] = i32[w + 3]! * vel;
      out.vy[k] = i32[w + 4]! * vel;
      out.vz[k] = i32[w + 5]! * vel;
      out.x[k] = i32[w]! * unit + out.vx[k]! * ahead;
      out.y[k] = i32[w + 1]! * unit + out.vy[k]! * ahead;
      out.z[k] = i32[w + 2]! * unit + out.vz[k]! * ahead;
      if (yaw) {
        const code = u[w + 6]!;
        out.yaw[k] = ((code >= 1 << (bits - 1) ? code - (1 << bits) : code) * TWO_PI) / (1 << bits);
      } else out.yaw[k] = 0;
      out.hp[k] = i32[w + 7]!;
      out.state[k] = u[w + 8]!;
      out.tick[k] = tick;
      k++;
    }
    out.count = k;
    return k;
  }

  /** Events of the last applied snapshot (allocates; payloads are views valid until the next apply). */
  events(): SnapshotEvent[] {
    const n = this.lastEvents;
    const out: SnapshotEvent[] = [];
    const base = VIEW_HEADER_BYTES + VIEW_COLS * this.handles * 4 + this.handles * BASELINE_WINDOW * RING_REC_BYTES + this.handles * SCRATCH_REC_BYTES;
    const payloadBase = base + EVENTS_MAX * EVENT_REC_BYTES;
    const i32 = this.region.view('i32', 0, this.region.byteLength >>> 2);
    const bytes = this.region.bytes();
    for (let e = 0; e < n; e++) {
      const w = (base + e * EVENT_REC_BYTES) / 4;
      const len = i32[w + 5]!;
      const off = payloadBase + e * PAYLOAD_MAX;
      out.push({
        kind: i32[w]!,
        x: i32[w + 1]! * this.unitM,
        y: i32[w + 2]! * this.unitM,
        z: i32[w + 3]! * this.unitM,
        payload: bytes.subarray(off, off + len),
      });
    }
    return out;
  }

  /**
   * A copy of everything an applied message commits (sequence, tick, cell, ids, rings), leaving
   * out counters and parse scratch: equal copies mean equal client state (tests, tools).
   */
  committedState(): Uint8Array {
    const all = this.region.bytes();
    const header = all.subarray(0, 52);
    const present = all.subarray(V.present, V.present + 16);
    const cols = all.subarray(VIEW_HEADER_BYTES, VIEW_HEADER_BYTES + 4 * this.handles * 4);
    const ringBase = VIEW_HEADER_BYTES + VIEW_COLS * this.handles * 4;
    const rings = all.subarray(ringBase, ringBase + this.handles * BASELINE_WINDOW * RING_REC_BYTES);
    const out = new Uint8Array(header.length + present.length + cols.length + rings.length);
    let at = 0;
    for (const part of [header, present, cols, rings]) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.arena.release(this.region);
    this.arena.release(this.input);
    this.arena.release(this.quatOut);
  }

  private check(handle: number): number {
    if (!Number.isInteger(handle) || handle < 0 || handle >= this.handles) {
      throw new InvalidArgumentError(`handle ${handle} is outside [0, ${this.handles})`);
    }
    return handle;
  }

  private live(): void {
    if (this.disposed) throw new InvalidArgumentError('snapshot view was disposed');
  }
}
