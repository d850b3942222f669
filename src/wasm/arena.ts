// The memory arena: hands out named, 16-byte-aligned regions of the shared WebAssembly memory.
// TypeScript owns the layout; kernels receive (pointer, count) pairs into these regions and TS
// reads results through typed views, never by copying. Memory grows on demand up to the
// module's maximum. A shared memory's views stay valid after growth but `memory.buffer` is then
// a new, longer SharedArrayBuffer: views are rebuilt lazily on it, so code that holds the
// arena's views always sees the whole memory.
//
// A region is either a raw block (`allocate`) or a structure-of-arrays block (`soa`): one
// column per field, each `capacity` elements long and 16-byte aligned, so SIMD kernels can load
// v128 from any column start. Released blocks go to a first-fit free list and are zeroed when
// reused.

import { ArenaExhaustedError, ArenaOutOfMemoryError, InvalidArgumentError } from '../core/errors.js';
import { WASM_PAGE_BYTES, type ChronosWasm } from './loader.js';

export const ARENA_ALIGN = 16;

const ELEMENT_TYPES = {
  i8: Int8Array,
  u8: Uint8Array,
  i16: Int16Array,
  u16: Uint16Array,
  i32: Int32Array,
  u32: Uint32Array,
  f32: Float32Array,
  f64: Float64Array,
  i64: BigInt64Array,
  u64: BigUint64Array,
} as const;

export type ElementType = keyof typeof ELEMENT_TYPES;
export type ViewOf<T extends ElementType> = InstanceType<(typeof ELEMENT_TYPES)[T]>;
export type Fields = Record<string, ElementType>;

export function elementBytes(type: ElementType): number {
  return ELEMENT_TYPES[type].BYTES_PER_ELEMENT;
}

export function alignUp(n: number, align = ARENA_ALIGN): number {
  return Math.ceil(n / align) * align;
}

export function typedView<T extends ElementType>(buffer: ArrayBufferLike, type: T, ptr: number, length: number): ViewOf<T> {
  return new ELEMENT_TYPES[type](buffer as ArrayBuffer, ptr, length) as ViewOf<T>;
}

interface FreeBlock {
  ptr: number;
  bytes: number;
}

export interface ArenaStats {
  baseByte: number;
  topByte: number;
  freeBytes: number;
  memoryBytes: number;
  maximumBytes: number;
  growths: number;
  regions: { name: string; ptr: number; bytes: number }[];
}

/**
 * Whether `view` looks at `memory`'s bytes. Not by buffer identity: a grown shared memory is a
 * new SharedArrayBuffer over the same bytes, and another thread's view holds its own. A byte
 * flipped through the view must show through the memory (and is put back).
 */
export function viewsMemory(memory: WebAssembly.Memory, view: ArrayBufferView): boolean {
  const buffer = memory.buffer;
  if (view.byteLength === 0 || view.byteOffset + view.byteLength > buffer.byteLength) return false;
  if (view.buffer === buffer) return true;
  if (!(view.buffer instanceof SharedArrayBuffer) || !(buffer instanceof SharedArrayBuffer)) return false;
  const mine = new Uint8Array(view.buffer, view.byteOffset, 1);
  const ours = new Uint8Array(buffer, view.byteOffset, 1);
  const was = mine[0]!;
  mine[0] = was ^ 0xff;
  const same = ours[0] === (was ^ 0xff);
  mine[0] = was;
  return same;
}

export class Arena {
  readonly wasm: ChronosWasm;
  /** First byte the arena owns: after the module's static data. */
  readonly base: number;
  private top: number;
  private readonly free: FreeBlock[] = [];
  /** Highest byte ever handed out: memory below it may be dirty after a release to the top. */
  private dirtyTop: number;
  private readonly byName = new Map<string, Region>();
  private buffer: ArrayBufferLike;
  private bufferGeneration = 0;
  private growths = 0;

  constructor(wasm: ChronosWasm) {
    this.wasm = wasm;
    this.base = alignUp(wasm.exports.heap_base());
    this.top = this.base;
    this.dirtyTop = this.base;
    this.buffer = wasm.memory.buffer;
  }

  /** Increments whenever the memory's buffer object changed; regions compare it to rebuild views. */
  get generation(): number {
    const current = this.wasm.memory.buffer;
    if (current !== this.buffer) {
      this.buffer = current;
      this.bufferGeneration++;
    }
    return this.bufferGeneration;
  }

  get memoryBuffer(): ArrayBufferLike {
    void this.generation;
    return this.buffer;
  }

  /**
   * Whether `view` looks at this arena's memory. Not by buffer identity: a grown shared memory is a
   * new SharedArrayBuffer over the same bytes, so views made before a growth hold an older one.
   * A byte flipped through the view must show through the memory's current buffer (and is put back).
   */
  holds(view: ArrayBufferView): boolean {
    void this.generation;
    return viewsMemory(this.wasm.memory, view);
  }

  get maximumBytes(): number {
    return this.wasm.maximumPages * WASM_PAGE_BYTES;
  }

  /** Grows memory so that at least `endByte` bytes exist. */
  ensure(endByte: number): void {
    const have = this.wasm.memory.buffer.byteLength;
    if (endByte <= have) return;
    if (endByte > this.maximumBytes) throw new ArenaOutOfMemoryError(endByte - this.top, this.maximumBytes);
    const pages = Math.ceil((endByte - have) / WASM_PAGE_BYTES);
    try {
      this.wasm.memory.grow(pages);
    } catch (err) {
      throw new ArenaOutOfMemoryError(endByte - this.top, this.maximumBytes);
    }
    this.growths++;
    void this.generation;
  }

  /** Reserves `bytes` more memory beyond the current top now, so later regions need no growth. */
  reserve(bytes: number): void {
    this.ensure(this.top + bytes);
  }

  /** A raw block of `bytes` bytes (rounded up to 16), zero-filled. */
  allocate(name: string, bytes: number): Region {
    const ptr = this.take(name, bytes);
    const region = new Region(this, name, ptr, alignUp(bytes));
    this.byName.set(name, region);
    return region;
  }

  /** A structure-of-arrays block with one `capacity`-long column per field. */
  soa<F extends Fields>(name: string, capacity: number, fields: F): SoaRegion<F> {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new InvalidArgumentError(`region "${name}": capacity must be a positive integer, got ${capacity}`);
    }
    const offsets: Record<string, number> = {};
    let bytes = 0;
    for (const [field, type] of Object.entries(fields)) {
      offsets[field] = bytes;
      bytes += alignUp(capacity * elementBytes(type));
    }
    const ptr = this.take(name, bytes);
    const region = new SoaRegion(this, name, ptr, bytes, capacity, fields, offsets);
    this.byName.set(name, region);
    return region;
  }

  region(name: string): Region | undefined {
    return this.byName.get(name);
  }

  /** Returns a region's bytes to the arena; its views must not be used afterwards. */
  release(region: Region): void {
    if (this.byName.get(region.name) !== region) {
      throw new InvalidArgumentError(`region "${region.name}" does not belong to this arena or was released`);
    }
    this.byName.delete(region.name);
    region.markReleased();
    this.insertFree({ ptr: region.ptr, bytes: region.byteLength });
  }

  stats(): ArenaStats {
    return {
      baseByte: this.base,
      topByte: this.top,
      freeBytes: this.free.reduce((sum, block) => sum + block.bytes, 0),
      memoryBytes: this.wasm.memory.buffer.byteLength,
      maximumBytes: this.maximumBytes,
      growths: this.growths,
      regions: [...this.byName.values()].map((r) => ({ name: r.name, ptr: r.ptr, bytes: r.byteLength })),
    };
  }

  private take(name: string, requested: number): number {
    if (!name) throw new InvalidArgumentError('region name must not be empty');
    if (this.byName.has(name)) throw new InvalidArgumentError(`region "${name}" already exists`);
    if (!Number.isFinite(requested) || requested <= 0) {
      throw new InvalidArgumentError(`region "${name}": size must be positive, got ${requested}`);
    }
    const bytes = alignUp(requested);
    for (let i = 0; i < this.free.length; i++) {
      const block = this.free[i]!;
      if (block.bytes < bytes) continue;
      const ptr = block.ptr;
      if (block.bytes === bytes) this.free.splice(i, 1);
      else {
        block.ptr += bytes;
        block.bytes -= bytes;
      }
      new Uint8Array(this.memoryBuffer, ptr, bytes).fill(0);
      return ptr;
    }
    const ptr = this.top;
    this.ensure(ptr + bytes);
    this.top = ptr + bytes;
    // Space a released block gave back to the bump pointer holds its old bytes: zero them too.
    if (ptr < this.dirtyTop) new Uint8Array(this.memoryBuffer, ptr, Math.min(bytes, this.dirtyTop - ptr)).fill(0);
    this.dirtyTop = Math.max(this.dirtyTop, this.top);
    return ptr;
  }

  private insertFree(block: FreeBlock): void {
    let i = 0;
    while (i < this.free.length && this.free[i]!.ptr < block.ptr) i++;
    this.free.splice(i, 0, block);
    // Coalesce with the neighbours so released space is reusable for larger regions.
    const next = this.free[i + 1];
    if (next && block.ptr + block.bytes === next.ptr) {
      block.bytes += next.bytes;
      this.free.splice(i + 1, 1);
    }
    const prev = this.free[i - 1];
    if (prev && prev.ptr + prev.bytes === block.ptr) {
      prev.bytes += block.bytes;
      this.free.splice(i, 1);
    }
    // A free block that ends at the top is given back to the bump pointer.
    const last = this.free[this.free.length - 1];
    if (last && last.ptr + last.bytes === this.top) {
      this.top = last.ptr;
      this.free.pop();
    }
  }
}

export class Region {
  readonly arena: Arena;
  readonly name: string;
  readonly ptr: number;
  readonly byteLength: number;
  private released = false;
  private bytesView: Uint8Array | undefined;
  private bytesGeneration = -1;

  constructor(arena: Arena, name: string, ptr: number, byteLength: number) {
    this.arena = arena;
    this.name = name;
    this.ptr = ptr;
    this.byteLength = byteLength;
  }

  get isReleased(): boolean {
    return this.released;
  }

  markReleased(): void {
    this.released = true;
  }

  /** All bytes of the region, as a view rebuilt if memory grew. */
  bytes(): Uint8Array {
    const generation = this.arena.generation;
    if (!this.bytesView || this.bytesGeneration !== generation) {
      this.bytesView = new Uint8Array(this.arena.memoryBuffer, this.ptr, this.byteLength);
      this.bytesGeneration = generation;
    }
    return this.bytesView;
  }

  /** A fresh typed view of `length` elements at byte `offset` inside the region. */
  view<T extends ElementType>(type: T, offset: number, length: number): ViewOf<T> {
    if (offset % elementBytes(type) !== 0 || offset < 0 || offset + length * elementBytes(type) > this.byteLength) {
      throw new InvalidArgumentError(
        `region "${this.name}": ${length} x ${type} at offset ${offset} does not fit its ${this.byteLength} bytes`,
      );
    }
    return typedView(this.arena.memoryBuffer, type, this.ptr + offset, length);
  }
}

export class SoaRegion<F extends Fields> extends Region {
  readonly capacity: number;
  readonly fields: F;
  private readonly offsets: Record<string, number>;
  private views: Partial<{ [K in keyof F]: ViewOf<F[K]> }> = {};
  private viewsGeneration = -1;
  private used = 0;

  constructor(arena: Arena, name: string, ptr: number, byteLength: number, capacity: number, fields: F, offsets: Record<string, number>) {
    super(arena, name, ptr, byteLength);
    this.capacity = capacity;
    this.fields = fields;
    this.offsets = offsets;
  }

  /** Elements handed out by `alloc` so far. */
  get count(): number {
    return this.used;
  }

  /** Byte address of a column's first element (for kernels). */
  ptrOf(field: keyof F & string): number {
    const offset = this.offsets[field];
    if (offset === undefined) throw new InvalidArgumentError(`region "${this.name}" has no field "${field}"`);
    return this.ptr + offset;
  }

  /** The column as a typed view of `capacity` elements, rebuilt if memory grew. */
  column<K extends keyof F & string>(field: K): ViewOf<F[K]> {
    const generation = this.arena.generation;
    if (generation !== this.viewsGeneration) {
      this.views = {};
      this.viewsGeneration = generation;
    }
    const cached = this.views[field];
    if (cached) return cached as ViewOf<F[K]>;
    const type = this.fields[field];
    if (type === undefined) throw new InvalidArgumentError(`region "${this.name}" has no field "${field}"`);
    const view = typedView(this.arena.memoryBuffer, type, this.ptrOf(field), this.capacity) as ViewOf<F[K]>;
    this.views[field] = view;
    return view;
  }

  /** Hands out `n` consecutive element slots; throws ArenaExhaustedError past capacity. */
  alloc(n = 1): number {
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`region "${this.name}": alloc count must be a positive integer, got ${n}`);
    if (this.used + n > this.capacity) throw new ArenaExhaustedError(this.name, n, this.used, this.capacity);
    const start = this.used;
    this.used += n;
    return start;
  }

  /** Forgets all handed-out slots and zeroes the columns. */
  reset(): void {
    this.used = 0;
    this.bytes().fill(0);
  }
}
