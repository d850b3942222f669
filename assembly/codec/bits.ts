// Bit packing: a writer and a reader over byte buffers in the shared memory, LSB first (bit i of
// the stream is bit (i & 7) of byte i >> 3), plus the variable-length codes every Chronos bit
// stream uses. The hot encoders and decoders call the inline functions below on the module's own
// globals (each WebAssembly instance — the main thread and every worker — has its own, so lanes
// never share a cursor); the exported kernels at the end run them on a state block in memory for
// TypeScript wrappers and tests.
//
// Writer: write(v, n) adds n <= 32 bits to an accumulator that stores whole 32-bit words;
// rewinding reloads the word the mark falls in, so the buffer never needs clearing. finish()
// stores the last bits with one u64 store: the buffer needs 8 bytes of slack past what is written. Reader: read(n) never touches memory past `end` bits rounded up to 8 bytes (callers
// pad input by 8 zero bytes); a read past the end returns 0 and sets the overrun flag, which the
// decoder checks before trusting anything it read.
//
// Codes (LSB-first, prefix bits listed in stream order):
// | code            | value                         | bits                              |
// |-----------------|-------------------------------|-----------------------------------|
// | tiered unsigned | z = 0                         | 0                                 |
// |                 | z in [1, 2]                   | 1 0 + 1 bit (z - 1)               |
// |                 | z in [3, 10]                  | 1 1 0 + 3 bits (z - 3)            |
// |                 | z in [11, 266]                | 1 1 1 0 + 8 bits (z - 11)         |
// |                 | z >= 267                      | 1 1 1 1 + 6 bits n + n bits       |
// |                 |                               |   (z - 267, n its bit length)     |
// | tiered signed   | zig-zag(v) in the tiered code | zig-zag: (v << 1) ^ (v >> 31)     |
// | varint (bytes)  | LEB128: 7 bits per byte, high bit = more follows, at most 5 bytes  |
// The tiers follow the seed's small / medium / large delta classes (±1, ±5, ±133, then any).

// ---- writer (module globals: one cursor per instance) ----
// Bits gather in a 64-bit accumulator and leave for memory 32 at a time, so consecutive writes
// never wait on a store to the same word.

let w_buf: usize = 0;
let w_at: usize = 0; // next 32-bit word to store
let w_acc: u64 = 0; // bits not stored yet (low w_n of them)
let w_n: u32 = 0;
let w_cap: u64 = 0; // capacity in bits

// @ts-ignore: decorator
@inline
export function bw_begin(buf: usize, capBytes: u32): void {
  w_buf = buf;
  w_at = buf;
  w_acc = 0;
  w_n = 0;
  w_cap = <u64>capBytes << 3;
}

// @ts-ignore: decorator
@inline
export function bw_pos(): u64 {
  return (<u64>(w_at - w_buf) << 3) + <u64>w_n;
}

// @ts-ignore: decorator
@inline
export function bw_cap(): u64 {
  return w_cap;
}

/** Back to an earlier cursor (a record that did not fit). */
export function bw_rewind(pos: u64): void {
  const at = w_buf + <usize>((pos >> 5) << 2);
  const n = <u32>(pos & 31);
  const keep = (<u64>1 << <u64>n) - 1;
  w_acc = at < w_at ? <u64>load<u32>(at) & keep : w_acc & keep;
  w_at = at;
  w_n = n;
}

/** Stores what the accumulator holds (8 bytes at the cursor: the buffer needs that slack). */
// @ts-ignore: decorator
@inline
export function bw_finish(): void {
  store<u64>(w_at, w_acc);
}

/** Bytes written so far (the last byte's unused high bits are zero). */
// @ts-ignore: decorator
@inline
export function bw_bytes(): u32 {
  return <u32>((bw_pos() + 7) >> 3);
}

/** Writes the low n (<= 32) bits of v. Callers check bw_pos() against bw_cap(). */
// @ts-ignore: decorator
@inline
export function bw_write(v: u64, n: u32): void {
  w_acc |= (v & ((<u64>1 << <u64>n) - 1)) << <u64>w_n;
  w_n += n;
  if (w_n >= 32) {
    store<u32>(w_at, <u32>w_acc);
    w_at += 4;
    w_acc >>= 32;
    w_n -= 32;
  }
}

// @ts-ignore: decorator
@inline
export function zigzag(v: i32): u32 {
  return <u32>((v << 1) ^ (v >> 31));
}

// @ts-ignore: decorator
@inline
export function unzigzag(z: u32): i32 {
  return <i32>(z >>> 1) ^ -<i32>(z & 1);
}

/** Bit length of z (0 for 0). */
// @ts-ignore: decorator
@inline
function bit_length(z: u32): u32 {
  return 32 - clz<u32>(z);
}

/** Bits the tiered code spends on z. */
export function tiered_bits(z: u32): u32 {
  if (z == 0) return 1;
  if (z <= 2) return 3;
  if (z <= 10) return 6;
  if (z <= 266) return 12;
  return 10 + bit_length(z - 267);
}

export function bw_tiered(z: u32): void {
  if (z == 0) {
    bw_write(0, 1);
  } else if (z <= 2) {
    bw_write(0b01 | (<u64>(z - 1) << 2), 3);
  } else if (z <= 10) {
    bw_write(0b011 | (<u64>(z - 3) << 3), 6);
  } else if (z <= 266) {
    bw_write(0b0111 | (<u64>(z - 11) << 4), 12);
  } else {
    const rest = z - 267;
    const n = bit_length(rest);
    bw_write(0b1111 | (<u64>n << 4), 10);
    bw_write(<u64>rest, n);
  }
}

// @ts-ignore: decorator
@inline
export function bw_signed(v: i32): void {
  bw_tiered(zigzag(v));
}

// ---- reader (module globals) ----

let r_buf: usize = 0;
let r_pos: u64 = 0;
let r_end: u64 = 0; // bits available
let r_over: u32 = 0; // 1 once a read ran past the end

// @ts-ignore: decorator
@inline
export function br_begin(buf: usize, lenBytes: u32): void {
  r_buf = buf;
  r_pos = 0;
  r_end = <u64>lenBytes << 3;
  r_over = 0;
}

// @ts-ignore: decorator
@inline
export function br_overrun(): bool {
  return r_over != 0;
}

// @ts-ignore: decorator
@inline
export function br_pos(): u64 {
  return r_pos;
}

// @ts-ignore: decorator
@inline
export function br_remaining(): u64 {
  return r_over != 0 || r_pos >= r_end ? 0 : r_end - r_pos;
}

/** Reads n <= 57 bits; past the end it returns 0 and flags the overrun. */
// @ts-ignore: decorator
@inline
export function br_read(n: u32): u64 {
  if (r_pos + <u64>n > r_end) {
    r_over = 1;
    r_pos = r_end;
    return 0;
  }
  const v = load<u64>(r_buf + <usize>(r_pos >> 3)) >> (r_pos & 7);
  r_pos += <u64>n;
  return n == 64 ? v : v & ((<u64>1 << <u64>n) - 1);
}

export function br_tiered(): u32 {
  if (br_read(1) == 0) return 0;
  if (br_read(1) == 0) return 1 + <u32>br_read(1);
  if (br_read(1) == 0) return 3 + <u32>br_read(3);
  if (br_read(1) == 0) return 11 + <u32>br_read(8);
  const n = <u32>br_read(6);
  // n > 32 cannot come from an encoder; a value that wraps past u32 is garbage as well.
  if (n > 32) {
    r_over = 1;
    return 0;
  }
  const rest = br_read(n);
  const z = rest + 267;
  if (z > <u64>u32.MAX_VALUE) {
    r_over = 1;
    return 0;
  }
  return <u32>z;
}

// @ts-ignore: decorator
@inline
export function br_signed(): i32 {
  return unzigzag(br_tiered());
}

// ---- byte varints (LEB128) ----

/** Writes v as LEB128 at ptr; returns the bytes written (1..5). */
export function varint_write(ptr: usize, v: u32): u32 {
  let n: u32 = 0;
  let rest = v;
  while (rest >= 0x80) {
    store<u8>(ptr + n, <u8>((rest & 0x7f) | 0x80));
    rest >>>= 7;
    n++;
  }
  store<u8>(ptr + n, <u8>rest);
  return n + 1;
}

// Result of varint_read: the value, or the failure in the high word. Returned as u64:
// low 32 bits value, bits 32..39 bytes consumed (0 = truncated or longer than 5 bytes).
export function varint_read(ptr: usize, len: u32): u64 {
  let v: u64 = 0;
  for (let i: u32 = 0; i < 5; i++) {
    if (i >= len) return 0;
    const b = <u64>load<u8>(ptr + i);
    v |= (b & 0x7f) << (<u64>i * 7);
    if ((b & 0x80) == 0) {
      if (v > <u64>u32.MAX_VALUE) return 0;
      return v | (<u64>(i + 1) << 32);
    }
  }
  return 0;
}

// ---- kernels over a state block, for TypeScript wrappers and tests ----
// State block (32 bytes): | 0 u32 buffer | 4 u32 capacity or length, bytes | 8 u64 bit cursor |
// | 16 u32 overrun flag (reader) | 20..31 reserved |

const S_BUF: usize = 0;
const S_LEN: usize = 4;
const S_POS: usize = 8;
const S_OVER: usize = 16;

function w_load(state: usize): void {
  w_buf = <usize>load<u32>(state + S_BUF);
  w_cap = <u64>load<u32>(state + S_LEN) << 3;
  const pos = load<u64>(state + S_POS);
  w_at = w_buf + <usize>((pos >> 5) << 2);
  w_n = <u32>(pos & 31);
  w_acc = <u64>load<u32>(w_at) & ((<u64>1 << <u64>w_n) - 1);
}

function w_save(state: usize): u32 {
  bw_finish();
  store<u64>(state + S_POS, bw_pos());
  return 0;
}

function r_load(state: usize): void {
  r_buf = <usize>load<u32>(state + S_BUF);
  r_end = <u64>load<u32>(state + S_LEN) << 3;
  r_pos = load<u64>(state + S_POS);
  r_over = load<u32>(state + S_OVER);
}

function r_save(state: usize): void {
  store<u64>(state + S_POS, r_pos);
  store<u32>(state + S_OVER, r_over);
}

/** Writes the low n (1..32) bits of v; returns 1 (writing nothing) when they do not fit. */
export function bits_write(state: usize, v: u32, n: u32): u32 {
  w_load(state);
  if (n > 32) n = 32;
  if (bw_pos() + <u64>n > w_cap) return 1;
  bw_write(<u64>v, n);
  return w_save(state);
}

/** Tiered unsigned code of z; past the capacity nothing is stored and 1 is returned. */
export function bits_write_tiered(state: usize, z: u32): u32 {
  w_load(state);
  if (bw_pos() + <u64>tiered_bits(z) > w_cap) return 1;
  bw_tiered(z);
  return w_save(state);
}

export function bits_write_signed(state: usize, v: i32): u32 {
  return bits_write_tiered(state, zigzag(v));
}

export function bits_read(state: usize, n: u32): u32 {
  r_load(state);
  const v = <u32>br_read(min<u32>(n, 32));
  r_save(state);
  return v;
}

export function bits_read_tiered(state: usize): u32 {
  r_load(state);
  const v = br_tiered();
  r_save(state);
  return v;
}

export function bits_read_signed(state: usize): i32 {
  r_load(state);
  const v = br_signed();
  r_save(state);
  return v;
}

export function bits_tiered_size(z: u32): u32 {
  return tiered_bits(z);
}

export function bits_zigzag(v: i32): u32 {
  return zigzag(v);
}

export function bits_unzigzag(z: u32): i32 {
  return unzigzag(z);
}
