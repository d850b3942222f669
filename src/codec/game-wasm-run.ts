// The encoder's run kernels (game-kernels.ts runSource) as WebAssembly, assembled at run time
// from a game's declaration (src/wasm/wasm-assembler.ts) when its store lives in a WebAssembly
// arena: one function per entity type and recipient class, every field's column address,
// quantiser, range and rate unrolled as constants, reading the store, the view and the frames in
// place and writing the records into the bit writer's words there. Built only from numbers the
// declaration checked and addresses the arena handed out.
//
// The same codes, records, frame entries and stopping points as the JavaScript run kernel, bit
// for bit (test: game-wasm-run.test.ts): short tiered codes from the tables, a long one (a gap
// or a delta past TABLE_MAX: a teleport, a projectile) written as BitStreamWriter.tiered does.
//
// The walk's state crosses in a block of the arena (WALK below): the run's counters each call,
// the walk's constants (the view copied in, the frames' addresses) once per walk.

import type { Game, WirePlan } from '../core/game.js';
import { GENERATION_MASK } from '../core/entity-id.js';
import { Code, I32, I64, F64, assembleModule } from '../wasm/wasm-assembler.js';
import { isPowerOfTwo, OWNED, TABLE_MAX, worstRecordBits } from './game-kernel-source.js';
import { code } from './game-wasm-codes.js';

/** Words of the walk's state block, by name: the run's counters first (in and out), then the walk's constants. */
export const WALK = {
  i: 0, j: 1, cnt: 2, used: 3, prev: 4, candidate: 5, records: 6, updates: 7, wat: 8, acc: 9, n: 10,
  count: 11, baseCount: 12, seq: 13, tick: 14, limit: 15, owner: 16,
  order: 17, fSlot: 18, fGen: 19, fTO: 20, fAt: 21, fSent: 22, codes: 23,
  bSlot: 24, bGen: 25, bTO: 26, bAt: 27, bSent: 28, bCodes: 29, words: 30,
  // Where the update zones aim for this message (zoneOrigin): 1 or 0 (none), then x, y, z in Q16.
  zoneOn: 31, zoneX: 32, zoneY: 33, zoneZ: 34,
} as const;
export const WALK_WORDS = 36;
type WalkWord = keyof typeof WALK;

/** Where the store's columns and the tier tables are (byte addresses in the arena's memory). */
export interface RunAddresses {
  readonly typeCol: number;
  readonly genCol: number;
  readonly ownerCol: number;
  /** By global field index. */
  readonly columns: readonly number[];
  /** TIER_CODE as u16, TIER_BITS as u8. */
  readonly tierCode: number;
  readonly tierBits: number;
}

/** Update zones as a run kernel measures them (UpdateZones): the position columns' addresses, each band's squared radius and the periods. */
export interface RunZones {
  readonly x: number;
  readonly y: number;
  readonly z: number | null;
  readonly radii2: Float64Array;
  readonly periodOf: Uint8Array;
}

/**
 * Whether a plan's records can be written here: its head (gap, op, mask) in one append, and
 * every wrapped field's circle an i32's (at most 2^31 codes).
 */
export const wasmWritable = (game: Game, plan: WirePlan): boolean =>
  plan.components.length <= 19 && Array.from(plan.fields).every((f) => game.fields[f]!.modulus <= 2 ** 31);

/** The run kernel of `type` for recipients that own it (`owned`) or not, as a function of the state block's address. */
export function runCode(game: Game, plan: WirePlan, type: number, owned: boolean, at: RunAddresses, zones: RunZones | null = null): Code {
  const c = new Code([I32]);
  const S = 0;
  const L = {} as Record<WalkWord, number>;
  for (const name of Object.keys(WALK) as WalkWord[]) L[name] = c.local(I32);
  const slot = c.local(I32);
  const gen = c.local(I32);
  const bp = c.local(I32);
  const mask = c.local(I32);
  const v = c.local(I32);
  const len = c.local(I32);
  const gap = c.local(I32);
  const ptr = c.local(I32);
  const rest = c.local(I32);
  const zp = c.local(I32);
  const d2 = c.local(F64);
  const restBits = c.local(I32);
  const x32 = c.local(I32);
  const x64 = c.local(I64);
  const xf = c.local(F64);
  const rf = c.local(F64);
  const fields = Array.from(plan.fields);
  const cs = fields.map(() => c.local(I32));
  const zs = fields.map(() => c.local(I32));
  const periods = [...new Set(fields.map((f) => game.fields[f]!.period).filter((p) => p > 1))];
  const due = new Map(periods.map((p) => [p, c.local(I32)] as const));
  const comps = plan.components.length;
  const typeOwned = owned ? (type | OWNED) | 0 : type;

  for (const name of Object.keys(WALK) as WalkWord[]) c.get(S).mem('i32.load', WALK[name] * 4).set(L[name]);
  // Blocks open inside the loop: a br to the loop is `depth`, out of it all `depth + 1`.
  let depth = 0;
  const exitIf = () => c.br('br_if', depth + 1);
  const open = () => {
    c.begin('if');
    depth++;
  };
  const close = () => {
    c.op('end');
    depth--;
  };
  /** Pushes the u32 at array[index] (array and index locals). */
  const element = (array: number, index: number) => c.get(array).get(index).i32(2).op('i32.shl').op('i32.add').mem('i32.load');
  /** Pushes the store column's value at `slot` (the column's address as the load's offset). */
  const column = (address: number) => c.get(slot).i32(2).op('i32.shl').mem('i32.load', address);
  /** Appends the low len bits of v to the writer in locals (acc, n, wat, words). */
  const append = () => {
    c.get(L.acc).get(v).get(L.n).op('i32.shl').op('i32.or').set(L.acc);
    c.get(L.n).get(len).op('i32.add').tee(L.n).i32(32).op('i32.ge_s');
    open();
    c.get(L.words).get(L.wat).i32(2).op('i32.shl').op('i32.add').get(L.acc).mem('i32.store');
    c.get(L.wat).i32(1).op('i32.add').set(L.wat);
    c.get(L.n).i32(32).op('i32.sub').set(L.n);
    c.i32(0).get(v).get(len).get(L.n).op('i32.sub').op('i32.shr_u').get(L.n).op('i32.eqz').op('select').set(L.acc);
    close();
  };
  const tierBits = (z: number) => c.get(z).mem('i32.load8_u', at.tierBits);
  const tierCode = (z: number) => c.get(z).i32(1).op('i32.shl').mem('i32.load16_u', at.tierCode);
  /** The long tiered code of z (past TABLE_MAX): prefix 1111, the length of z - 267 in 6 bits, its bits. */
  const longTiered = (z: number) => {
    c.get(z).i32(TABLE_MAX + 1).op('i32.sub').set(rest);
    c.i32(32).get(rest).op('i32.clz').op('i32.sub').set(restBits);
    c.get(restBits).i32(4).op('i32.shl').i32(0b1111).op('i32.or').set(v).i32(10).set(len);
    append();
    c.get(restBits);
    open();
    c.get(rest).set(v).get(restBits).set(len);
    append();
    close();
  };
  /** The tiered code of z: from the tables, or the long form. */
  const tiered = (z: number) => {
    c.get(z).i32(TABLE_MAX).op('i32.le_u');
    open();
    tierCode(z);
    c.set(v);
    tierBits(z);
    c.set(len);
    append();
    c.op('else');
    longTiered(z);
    close();
  };

  c.begin('block');
  c.begin('loop');
  // The next entity in view, if it is in the baseline, of this type and class, the same generation.
  c.get(L.i).get(L.count).op('i32.ge_s');
  exitIf();
  element(L.order, L.i);
  c.set(slot);
  c.get(L.j).get(L.baseCount).op('i32.ge_s');
  exitIf();
  element(L.bSlot, L.j);
  c.get(slot).op('i32.ne');
  exitIf();
  column(at.typeCol);
  c.i32(type + 1).op('i32.ne');
  exitIf();
  c.get(L.owner).i32(0).op('i32.ne');
  column(at.ownerCol);
  c.get(L.owner).op('i32.eq').op('i32.and');
  if (owned) c.op('i32.eqz');
  exitIf();
  column(at.genCol);
  c.i32(GENERATION_MASK).op('i32.and').set(gen);
  element(L.bGen, L.j);
  c.get(gen).op('i32.ne');
  exitIf();
  element(L.bTO, L.j);
  c.i32(typeOwned).op('i32.ne');
  exitIf();
  c.get(L.bCodes);
  element(L.bAt, L.j);
  c.i32(2).op('i32.shl').op('i32.add').set(bp);
  const F = fields.length;
  /** Fills the frame's entry (slot, generation, type, codes at `used`) and moves on to the next entity. */
  const nextEntity = () => {
    for (const [array, value] of [[L.fSlot, slot], [L.fGen, gen], [L.fAt, L.used]] as const) c.get(array).get(L.cnt).i32(2).op('i32.shl').op('i32.add').get(value).mem('i32.store');
    c.get(L.fTO).get(L.cnt).i32(2).op('i32.shl').op('i32.add').i32(typeOwned).mem('i32.store');
    c.get(L.cnt).i32(1).op('i32.add').set(L.cnt);
    c.get(L.used).i32(F).op('i32.add').set(L.used);
    c.get(L.i).i32(1).op('i32.add').set(L.i);
    c.get(L.j).i32(1).op('i32.add').set(L.j);
    c.br('br', depth);
  };
  // Update zones (not for what the recipient owns): an entity its band holds back this message
  // keeps its baseline's codes and entry, unchanged, without a code computed.
  if (zones && !owned) {
    c.i32(1).set(zp);
    c.get(L.zoneOn);
    open();
    const diff = (address: number, origin: number) => {
      column(address);
      c.op('f64.convert_i32_s').get(origin).op('f64.convert_i32_s').op('f64.sub').tee(d2).get(d2).op('f64.mul');
    };
    diff(zones.x, L.zoneX);
    diff(zones.y, L.zoneY);
    c.op('f64.add');
    if (zones.z !== null) {
      diff(zones.z, L.zoneZ);
      c.op('f64.add');
    }
    c.set(d2);
    // The first band whose radius holds it, else beyond's: nested selects, innermost last.
    const bands = zones.radii2.length;
    for (let b = 0; b <= bands; b++) c.i32(zones.periodOf[b]!);
    for (let b = bands - 1; b >= 0; b--) c.get(d2).f64(zones.radii2[b]!).op('f64.le').op('select');
    c.set(zp);
    close();
    c.get(L.seq).op('i64.extend_i32_u').get(slot).op('i64.extend_i32_u').op('i64.add').get(zp).op('i64.extend_i32_u').op('i64.rem_u').i64(0).op('i64.ne');
    open();
    c.get(L.codes).get(L.used).i32(2).op('i32.shl').op('i32.add').set(ptr);
    for (let k = 0; k < F; k++) c.get(ptr).get(bp).mem('i32.load', k * 4).mem('i32.store', k * 4);
    c.get(L.fSent).get(L.cnt).i32(2).op('i32.shl').op('i32.add');
    element(L.bSent, L.j);
    c.mem('i32.store');
    nextEntity();
    close();
  }
  // Rate classes due in this message: (seq + slot) % p === 0.
  for (const [p, d] of due) {
    if (isPowerOfTwo(p)) c.get(L.seq).get(slot).op('i32.add').i32(p - 1).op('i32.and').op('i32.eqz');
    else c.get(L.seq).op('i64.extend_i32_u').get(slot).op('i64.extend_i32_u').op('i64.add').i64(p).op('i64.rem_u').op('i64.eqz');
    c.set(d);
  }
  // Each field's code: its current one, or the baseline's where its rate class is not due.
  fields.forEach((f, k) => {
    const p = game.fields[f]!;
    if (p.period > 1) {
      c.get(due.get(p.period)!).begin('if', I32);
      code(c, p, () => column(at.columns[f]!), { x32, x64, xf, rf });
      c.op('else').get(bp).mem('i32.load', k * 4).op('end');
    } else code(c, p, () => column(at.columns[f]!), { x32, x64, xf, rf });
    c.set(cs[k]!);
  });
  // The change mask: a component whose codes differ from the baseline's.
  if (comps === 0) c.i32(0);
  for (let m = 0; m < comps; m++) {
    for (let k = plan.start[m]!; k < plan.start[m + 1]!; k++) {
      c.get(cs[k]!).get(bp).mem('i32.load', k * 4).op('i32.ne');
      if (k > plan.start[m]!) c.op('i32.or');
    }
    if (m > 0) c.i32(m).op('i32.shl').op('i32.or');
  }
  c.set(mask);
  c.get(mask);
  open();
  {
    // The record must fit (its worst case), or the walk takes it.
    c.get(L.wat).i32(5).op('i32.shl').get(L.n).op('i32.add').i32(worstRecordBits(plan)).op('i32.add').get(L.limit).op('i32.gt_s');
    exitIf();
    c.get(slot).get(L.prev).op('i32.sub').i32(1).op('i32.sub').set(gap);
    // Head: gap, op 1, the mask, in one append (the gap from the tables), else one by one.
    c.get(gap).i32(TABLE_MAX).op('i32.le_u');
    open();
    tierBits(gap);
    c.set(len);
    tierCode(gap);
    c.i32(1).get(len).op('i32.shl').op('i32.or').get(mask).get(len).i32(1).op('i32.add').op('i32.shl').op('i32.or').set(v);
    c.get(len).i32(1 + comps).op('i32.add').set(len);
    append();
    c.op('else');
    longTiered(gap);
    c.i32(1).set(v).i32(1).set(len);
    append();
    c.get(mask).set(v).i32(comps).set(len);
    append();
    close();
    for (let m = 0; m < comps; m++) {
      c.get(mask).i32(2 ** m).op('i32.and');
      open();
      const ks: number[] = [];
      for (let k = plan.start[m]!; k < plan.start[m + 1]!; k++) {
        ks.push(k);
        const p = game.fields[fields[k]!]!;
        const z = zs[k]!;
        c.get(cs[k]!).get(bp).mem('i32.load', k * 4).op('i32.sub');
        if (p.modulus !== 0) {
          // The short way round the circle: (c - b) mod m, less m past half of it.
          c.i32(p.modulus - 1).op('i32.and').tee(z).i32(p.modulus).i32(0).get(z).i32(p.modulus / 2).op('i32.ge_s').op('select').op('i32.sub');
        }
        c.tee(z).i32(1).op('i32.shl').get(z).i32(31).op('i32.shr_s').op('i32.xor').set(z);
      }
      // Two codes in one append where both are short (almost always), else each on its own.
      for (let q = 0; q < ks.length; q += 2) {
        const a = zs[ks[q]!]!;
        const b = q + 1 < ks.length ? zs[ks[q + 1]!]! : -1;
        if (b < 0) {
          tiered(a);
          continue;
        }
        c.get(a).i32(TABLE_MAX).op('i32.le_u').get(b).i32(TABLE_MAX).op('i32.le_u').op('i32.and');
        open();
        tierBits(a);
        c.set(len);
        tierCode(a);
        tierCode(b);
        c.get(len).op('i32.shl').op('i32.or').set(v);
        c.get(len);
        tierBits(b);
        c.op('i32.add').set(len);
        append();
        c.op('else');
        tiered(a);
        tiered(b);
        close();
      }
      close();
    }
    c.get(L.fSent).get(L.cnt).i32(2).op('i32.shl').op('i32.add').get(L.tick).mem('i32.store');
    c.get(slot).set(L.prev);
    for (const n of [L.records, L.updates, L.candidate]) c.get(n).i32(1).op('i32.add').set(n);
  }
  c.op('else');
  c.get(L.fSent).get(L.cnt).i32(2).op('i32.shl').op('i32.add');
  element(L.bSent, L.j);
  c.mem('i32.store');
  close();
  // The frame's entry and its codes.
  c.get(L.codes).get(L.used).i32(2).op('i32.shl').op('i32.add').set(ptr);
  cs.forEach((ck, k) => c.get(ptr).get(ck).mem('i32.store', k * 4));
  nextEntity();
  c.op('end'); // loop
  c.op('end'); // block
  for (const name of ['i', 'j', 'cnt', 'used', 'prev', 'candidate', 'records', 'updates', 'wat', 'acc', 'n'] as const) c.get(S).get(L[name]).mem('i32.store', WALK[name] * 4);
  return c;
}

/** A module of every (type, class) run kernel, importing the arena's memory. */
export function assembleRuns(game: Game, at: RunAddresses, zones: RunZones | null, memory: { readonly maximumPages: number }): { bytes: Uint8Array<ArrayBuffer>; names: (string | null)[] } {
  const functions: { name: string; code: Code }[] = [];
  const names: (string | null)[] = [];
  game.types.forEach((t, type) => {
    for (const owned of [false, true]) {
      const plan = t.wire[owned ? 1 : 0];
      if (!wasmWritable(game, plan)) {
        names.push(null);
        continue;
      }
      const name = `run${type}${owned ? 'o' : ''}`;
      functions.push({ name, code: runCode(game, plan, type, owned, at, zones) });
      names.push(name);
    }
  });
  return { bytes: assembleModule({ minimum: 1, maximum: memory.maximumPages, shared: true }, functions), names };
}
