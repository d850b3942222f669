// MessageRing: a single-producer single-consumer ring of variable-length records in a
// SharedArrayBuffer, for hand-offs between two threads with no lock and no copy beyond the
// record's own bytes: a network worker writes what its clients sent for the simulation to read
// at the start of a tick, and the simulation writes what each client is to be sent for the
// worker to seal at its flush. The producer publishes a record by storing the write position
// after the bytes (Atomics.store, release); the consumer reads the write position (acquire),
// the records up to it, then stores its read position, which frees the space.
//
// Layout (one SharedArrayBuffer):
// | off | type      | field                                                              |
// |   0 | i32       | write position (bytes, mod 2^32)                                   |
// |   4 | i32       | read position                                                      |
// |   8 | i32       | records dropped because the ring was full (the producer counts)    |
// |  12 | i32       | reserved                                                           |
// |  16 | u8[cap]   | records; cap a power of two                                        |
// Record (4-byte aligned, never wrapping around the end):
// | off | type | field                                                                    |
// |   0 | u32  | length of the whole record in bytes, padded to 4; the top bit set: a     |
// |      |      | filler to the end of the buffer (skip it), nothing else in it           |
// |   4 | u32  | id (whose record: a connection)                                          |
// |   8 | u8   | kind (the caller's)   |   9 | u8 | channel   |  10 | u16 | small argument |
// |  12 | u32  | payload length                                                           |
// |  16 | ...  | payload                                                                  |

import { InvalidArgumentError } from './errors.js';

const HEADER = 16;
const RECORD_HEADER = 16;
const FILLER = 0x80000000;
const W = 0;
const R = 1;
const DROPPED = 2;

export interface RingRecord {
  id: number;
  kind: number;
  channel: number;
  arg: number;
  /** A view of the payload inside the ring: valid until the callback returns. */
  payload: Uint8Array;
}

export class MessageRing {
  readonly buffer: SharedArrayBuffer;
  readonly capacity: number;
  private readonly ctrl: Int32Array;
  private readonly bytes: Uint8Array;
  private readonly view: DataView;
  private readonly mask: number;
  private readonly record: RingRecord = { id: 0, kind: 0, channel: 0, arg: 0, payload: new Uint8Array(0) };

  /** A new ring of `capacity` bytes (a power of two), or one over an existing buffer (the other thread's end). */
  constructor(capacityOrBuffer: number | SharedArrayBuffer) {
    if (typeof capacityOrBuffer === 'number') {
      const cap = capacityOrBuffer;
      if (!Number.isInteger(cap) || cap < 64 || cap > 1 << 30 || (cap & (cap - 1)) !== 0) throw new InvalidArgumentError(`ring capacity must be a power of two in [64, 2^30], got ${cap}`);
      this.buffer = new SharedArrayBuffer(HEADER + cap);
    } else this.buffer = capacityOrBuffer;
    this.capacity = this.buffer.byteLength - HEADER;
    if ((this.capacity & (this.capacity - 1)) !== 0) throw new InvalidArgumentError('ring buffer is not a power of two plus its header');
    this.mask = this.capacity - 1;
    this.ctrl = new Int32Array(this.buffer, 0, 4);
    this.bytes = new Uint8Array(this.buffer, HEADER, this.capacity);
    this.view = new DataView(this.buffer, HEADER, this.capacity);
  }

  /** Records the producer could not write (the ring was full). */
  get dropped(): number {
    return Atomics.load(this.ctrl, DROPPED);
  }

  /** Bytes written and not yet consumed. */
  get used(): number {
    return (Atomics.load(this.ctrl, W) - Atomics.load(this.ctrl, R)) >>> 0;
  }

  /**
   * Producer: appends a record with `payload` (copied). Returns false, counting a drop, when the
   * ring has no room for it; the consumer is behind and the record is lost.
   */
  push(id: number, kind: number, channel: number, arg: number, payload: Uint8Array | null): boolean {
    const length = payload ? payload.byteLength : 0;
    const need = (RECORD_HEADER + length + 3) & ~3;
    if (need > this.capacity / 2) throw new InvalidArgumentError(`a record of ${length} bytes does not fit a ring of ${this.capacity}`);
    const write = Atomics.load(this.ctrl, W) >>> 0;
    const read = Atomics.load(this.ctrl, R) >>> 0;
    const at = write & this.mask;
    const toEnd = this.capacity - at;
    const filler = toEnd < need ? toEnd : 0;
    if (((write - read) >>> 0) + filler + need > this.capacity) {
      Atomics.add(this.ctrl, DROPPED, 1);
      return false;
    }
    let pos = at;
    if (filler > 0) {
      this.view.setUint32(pos, (FILLER | filler) >>> 0, true);
      pos = 0;
    }
    const v = this.view;
    v.setUint32(pos, need, true);
    v.setUint32(pos + 4, id >>> 0, true);
    v.setUint8(pos + 8, kind);
    v.setUint8(pos + 9, channel);
    v.setUint16(pos + 10, arg, true);
    v.setUint32(pos + 12, length, true);
    if (payload && length > 0) this.bytes.set(payload, pos + RECORD_HEADER);
    Atomics.store(this.ctrl, W, (write + filler + need) | 0);
    return true;
  }

  /**
   * Consumer: hands every record written so far to `each` (its payload is a view into the ring,
   * valid only during the call), then frees their space. Returns how many were read. At most
   * `max` records, so one call is bounded.
   */
  drain(each: (r: RingRecord) => void, max = Infinity): number {
    const write = Atomics.load(this.ctrl, W) >>> 0;
    let read = Atomics.load(this.ctrl, R) >>> 0;
    let n = 0;
    const v = this.view;
    const r = this.record;
    try {
      while (read !== write && n < max) {
        const pos = read & this.mask;
        const head = v.getUint32(pos, true);
        if ((head & FILLER) !== 0) {
          read = (read + (head & ~FILLER)) >>> 0;
          continue;
        }
        r.id = v.getUint32(pos + 4, true);
        r.kind = v.getUint8(pos + 8);
        r.channel = v.getUint8(pos + 9);
        r.arg = v.getUint16(pos + 10, true);
        const length = v.getUint32(pos + 12, true);
        r.payload = this.bytes.subarray(pos + RECORD_HEADER, pos + RECORD_HEADER + length);
        read = (read + head) >>> 0;
        n++;
        each(r);
      }
    } finally {
      Atomics.store(this.ctrl, R, read | 0);
    }
    return n;
  }
}
