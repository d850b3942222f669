// A small WebAssembly assembler: function bodies written op by op (Code) and a module around
// them (assembleModule) that imports one memory and exports its functions. Enough for kernels
// generated at run time from numbers a declaration checked (src/codec/game-wasm-kernels.ts),
// where compiling AssemblyScript would take seconds and a toolchain the server does not have.
// Only what those kernels use is here: i32 / i64 / f64 locals, loads and stores, arithmetic,
// comparisons, conversions and structured control flow.

export const I32 = 0x7f;
export const I64 = 0x7e;
export const F64 = 0x7c;
export type ValueType = typeof I32 | typeof I64 | typeof F64;

/** Block types: no result, or one value. */
export const VOID = 0x40;

/** Opcodes, by their names in the text format. */
export const OP = {
  block: 0x02, loop: 0x03, if: 0x04, else: 0x05, end: 0x0b, br: 0x0c, br_if: 0x0d, return: 0x0f,
  select: 0x1b,
  'local.get': 0x20, 'local.set': 0x21, 'local.tee': 0x22,
  'i32.load': 0x28, 'i32.load8_u': 0x2d, 'i32.load16_u': 0x2f, 'i32.store': 0x36,
  'i32.const': 0x41, 'i64.const': 0x42, 'f64.const': 0x44,
  'i32.eqz': 0x45, 'i32.eq': 0x46, 'i32.ne': 0x47, 'i32.lt_s': 0x48, 'i32.lt_u': 0x49, 'i32.gt_s': 0x4a, 'i32.gt_u': 0x4b,
  'i32.le_s': 0x4c, 'i32.le_u': 0x4d, 'i32.ge_s': 0x4e, 'i32.ge_u': 0x4f,
  'i64.eqz': 0x50, 'i64.ne': 0x52, 'i64.lt_s': 0x53, 'i64.gt_s': 0x55,
  'f64.lt': 0x63, 'f64.gt': 0x64, 'f64.le': 0x65, 'f64.ge': 0x66,
  'i32.clz': 0x67, 'i32.add': 0x6a, 'i32.sub': 0x6b, 'i32.mul': 0x6c, 'i32.and': 0x71, 'i32.or': 0x72, 'i32.xor': 0x73,
  'i32.shl': 0x74, 'i32.shr_s': 0x75, 'i32.shr_u': 0x76,
  'i64.add': 0x7c, 'i64.rem_u': 0x82,
  'f64.floor': 0x9c, 'f64.add': 0xa0, 'f64.sub': 0xa1, 'f64.mul': 0xa2,
  'i32.wrap_i64': 0xa7, 'i64.extend_i32_s': 0xac, 'i64.extend_i32_u': 0xad,
  'f64.convert_i32_s': 0xb7, 'f64.convert_i32_u': 0xb8, 'f64.convert_i64_s': 0xb9,
} as const;
export type OpName = keyof typeof OP;

/** i64.trunc_sat_f64_s: the 0xfc prefix, then its index (no trap: saturates). */
const TRUNC_SAT_F64_S = [0xfc, 0x06];

function uleb(out: number[], v: number): void {
  if (!Number.isInteger(v) || v < 0) throw new RangeError(`uleb of ${v}`);
  do {
    let b = v % 128;
    v = Math.floor(v / 128);
    if (v > 0) b |= 0x80;
    out.push(b);
  } while (v > 0);
}

function sleb(out: number[], v: bigint): void {
  for (;;) {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    const done = (v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0);
    out.push(done ? b : b | 0x80);
    if (done) return;
  }
}

const utf8 = (s: string): number[] => [...new TextEncoder().encode(s)];

/** One function's locals and instructions. Locals: the parameters first, then those local() adds. */
export class Code {
  private readonly ops: number[] = [];
  private readonly localTypes: ValueType[] = [];

  constructor(readonly params: readonly ValueType[], readonly results: readonly ValueType[] = []) {}

  /** A new local of `type`: its index. */
  local(type: ValueType): number {
    this.localTypes.push(type);
    return this.params.length + this.localTypes.length - 1;
  }

  op(name: OpName): this {
    this.ops.push(OP[name]);
    return this;
  }

  get(local: number): this {
    return this.local_('local.get', local);
  }

  set(local: number): this {
    return this.local_('local.set', local);
  }

  tee(local: number): this {
    return this.local_('local.tee', local);
  }

  private local_(name: 'local.get' | 'local.set' | 'local.tee', local: number): this {
    this.ops.push(OP[name]);
    uleb(this.ops, local);
    return this;
  }

  i32(v: number): this {
    if (!Number.isInteger(v) || v < -0x80000000 || v > 0xffffffff) throw new RangeError(`i32.const ${v}`);
    this.ops.push(OP['i32.const']);
    sleb(this.ops, BigInt(v | 0));
    return this;
  }

  i64(v: number | bigint): this {
    this.ops.push(OP['i64.const']);
    sleb(this.ops, BigInt.asIntN(64, BigInt(v)));
    return this;
  }

  f64(v: number): this {
    this.ops.push(OP['f64.const']);
    const b = new Uint8Array(new Float64Array([v]).buffer);
    for (const x of b) this.ops.push(x);
    return this;
  }

  /** A memory access with its alignment (log2 bytes) and constant offset. */
  mem(name: 'i32.load' | 'i32.load8_u' | 'i32.load16_u' | 'i32.store', offset = 0): this {
    this.ops.push(OP[name]);
    uleb(this.ops, name === 'i32.load8_u' ? 0 : name === 'i32.load16_u' ? 1 : 2);
    uleb(this.ops, offset);
    return this;
  }

  /** block, loop or if, with no result or one of `type`. */
  begin(name: 'block' | 'loop' | 'if', type: ValueType | typeof VOID = VOID): this {
    this.ops.push(OP[name], type);
    return this;
  }

  /** br or br_if to the label `depth` blocks out (0: the innermost). */
  br(name: 'br' | 'br_if', depth: number): this {
    this.ops.push(OP[name]);
    uleb(this.ops, depth);
    return this;
  }

  truncSatF64ToI64(): this {
    this.ops.push(...TRUNC_SAT_F64_S);
    return this;
  }

  /** The function's body: its locals, grouped by type in runs, and its code, ended. */
  body(): number[] {
    const out: number[] = [];
    const runs: [number, ValueType][] = [];
    for (const t of this.localTypes) {
      const last = runs[runs.length - 1];
      if (last && last[1] === t) last[0]++;
      else runs.push([1, t]);
    }
    uleb(out, runs.length);
    for (const [n, t] of runs) {
      uleb(out, n);
      out.push(t);
    }
    append(out, this.ops);
    out.push(OP.end);
    return out;
  }
}

export interface ImportedMemory {
  /** Pages the memory has at least, and at most. */
  readonly minimum: number;
  readonly maximum: number;
  readonly shared: boolean;
}

/** Appends `items` one by one (a spread of a large array would pass each as an argument: past the stack). */
function append(out: number[], items: readonly number[]): void {
  for (const b of items) out.push(b);
}

function section(out: number[], id: number, content: number[]): void {
  out.push(id);
  uleb(out, content.length);
  append(out, content);
}

function vector(items: number[][]): number[] {
  const out: number[] = [];
  uleb(out, items.length);
  for (const it of items) append(out, it);
  return out;
}

/** A module importing `env.memory` and exporting `functions` by name. */
export function assembleModule(memory: ImportedMemory, functions: readonly { readonly name: string; readonly code: Code }[]): Uint8Array<ArrayBuffer> {
  const out = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  section(out, 1, vector(functions.map(({ code }) => [0x60, ...vector(code.params.map((t) => [t])), ...vector(code.results.map((t) => [t]))])));
  const limits: number[] = [memory.shared ? 0x03 : 0x01];
  uleb(limits, memory.minimum);
  uleb(limits, memory.maximum);
  const mem = [...stringBytes('env'), ...stringBytes('memory'), 0x02, ...limits];
  section(out, 2, vector([mem]));
  section(out, 3, vector(functions.map((_, i) => {
    const b: number[] = [];
    uleb(b, i);
    return b;
  })));
  section(out, 7, vector(functions.map(({ name }, i) => {
    const b = [...stringBytes(name), 0x00];
    uleb(b, i);
    return b;
  })));
  section(out, 10, vector(functions.map(({ code }) => {
    const body = code.body();
    const b: number[] = [];
    uleb(b, body.length);
    append(b, body);
    return b;
  })));
  return Uint8Array.from(out);
}

function stringBytes(s: string): number[] {
  const bytes = utf8(s);
  const out: number[] = [];
  uleb(out, bytes.length);
  out.push(...bytes);
  return out;
}
