// Encoder kernels compiled from a game's declaration: for each entity type and recipient class
// (sees it / owns it), a function with every field's column, quantiser, range and rate unrolled
// as constants. A generic loop over a field table costs a table load, a switch and a division per
// field per entity per client; these cost a column load, a shift (or a multiply) and a compare.
// The source is built only from numbers the declaration checked (no names, no strings from
// outside), so compiling it with `new Function` runs nothing a game did not declare.
//
// update(slot, seq, codes, at, base, b0) writes the entity's current codes at codes[at ...]
// (a field whose rate class is not due in message `seq` keeps its baseline code; due-ness counts
// the client's messages, not ticks, so a server that sends every other tick still refreshes
// every slot's slower fields) and returns the mask
// of components whose codes differ from base[b0 ...]; delta(mask, gap, ...) writes the update
// record (gap, op, mask, the changed components' deltas) to w with the writer's state in locals.
// enter(slot, codes, at, w) writes the current codes and their full form. The caller makes sure
// the record fits (worst-case bits) before it calls them.

import { wirePlanKey, type Game, type WirePlan } from '../core/game.js';
import type { StoredColumn } from '../core/game-store.js';
import type { BitStreamWriter } from './bit-stream.js';
import { GENERATION_MASK } from '../core/entity-id.js';
import type { GameFrame } from './game-frames.js';
import { clamp, codeExpr, codeOrBase, codesAndMask, dueExpr, heldExpr, lit, OWNED, recordWrite, round, TIER_BITS, TIER_CODE, worstRecordBits } from './game-kernel-source.js';
import { byStoreAndZones, zoneOrigin, type ZoneSource } from './update-zones.js';

export type UpdateKernel = (slot: number, seq: number, codes: Int32Array, at: number, base: Int32Array, b0: number) => number;
export type DeltaKernel = (mask: number, gap: number, codes: Int32Array, at: number, base: Int32Array, b0: number, w: BitStreamWriter) => void;
export type EnterKernel = (slot: number, codes: Int32Array, at: number, w: BitStreamWriter) => void;

/** Runs of kept entities (run() below) in the encoder's common pass. */
export type RunKernel = (s: WalkState, w: BitStreamWriter) => void;

export interface TypeKernels {
  readonly update: UpdateKernel;
  readonly delta: DeltaKernel;
  readonly enter: EnterKernel;
  readonly run: RunKernel;
}

/**
 * The encoder's walk (game-snapshot.ts) as plain fields, handed to a run kernel and read back:
 * where the walk stands (i in the view, j in the baseline, cnt entries and used codes in the
 * frame being built, prev the last record's slot) and what the run counts.
 */
export class WalkState {
  i = 0;
  j = 0;
  cnt = 0;
  used = 0;
  prev = -1;
  candidate = 0;
  records = 0;
  updates = 0;
  count = 0;
  baseCount = 0;
  seq = 0;
  tick = 0;
  limit = 0;
  owner = 0;
  order: ArrayLike<number> = new Uint32Array(0);
  fSlot: Uint32Array<ArrayBufferLike> = new Uint32Array(0);
  fGen: Uint32Array<ArrayBufferLike> = new Uint32Array(0);
  fTO: Uint32Array<ArrayBufferLike> = new Uint32Array(0);
  fAt: Uint32Array<ArrayBufferLike> = new Uint32Array(0);
  fSent: Uint32Array<ArrayBufferLike> = new Uint32Array(0);
  codes: Int32Array<ArrayBufferLike> = new Int32Array(0);
  bSlot: Uint32Array<ArrayBufferLike> = new Uint32Array(0);
  bGen: Uint32Array<ArrayBufferLike> = new Uint32Array(0);
  bTO: Uint32Array<ArrayBufferLike> = new Uint32Array(0);
  bAt: Uint32Array<ArrayBufferLike> = new Uint32Array(0);
  bSent: Uint32Array<ArrayBufferLike> = new Uint32Array(0);
  bCodes: Int32Array<ArrayBufferLike> = new Int32Array(0);
  /** +1 at each bind(): a kernel that copies the walk's constants elsewhere knows when they changed. */
  epoch = 0;

  /** The walk's constants: the view, the frame being built and the baseline (none: the frame itself, never read). */
  bind(order: ArrayLike<number>, count: number, frame: GameFrame, base: GameFrame | null, seq: number, tick: number, limit: number, owner: number): void {
    this.epoch++;
    this.order = order;
    this.count = count;
    this.seq = seq;
    this.tick = tick;
    this.limit = limit;
    this.owner = owner;
    this.fSlot = frame.slot;
    this.fGen = frame.generation;
    this.fTO = frame.typeOwned;
    this.fAt = frame.at;
    this.fSent = frame.sent;
    this.codes = frame.codes;
    const b = base ?? frame;
    this.baseCount = base ? base.count : 0;
    this.bSlot = b.slot;
    this.bGen = b.generation;
    this.bTO = b.typeOwned;
    this.bAt = b.at;
    this.bSent = b.sent;
    this.bCodes = b.codes;
  }
}

/** The table-free part of the store a run kernel reads besides the field columns. */
export interface KernelStore {
  readonly typeColumn: Uint32Array;
  readonly generationColumn: Uint32Array;
  readonly ownerColumn: Uint32Array;
  readonly columns: readonly StoredColumn[];
}


/**
 * Source of run(s, w): from view entry s.i on, every entity of this type and recipient class
 * that is in the baseline (entry s.j) with the same generation gets its codes and, when a
 * component changed, its update record, with the walk and the writer in locals; it stops
 * (leaving s where it stands) at the first entity that is anything else or whose record might
 * not fit s.limit, which the walk then takes. The same codes and bits as update() + delta().
 */
function runSource(game: Game, plan: WirePlan, type: number, owned: boolean, colName: (f: number) => string, periodSource: string | null): string {
  const fields = Array.from(plan.fields);
  const typeOwned = owned ? (type | OWNED) >>> 0 : type;
  const o: string[] = [
    'let i = s.i, j = s.j, cnt = s.cnt, used = s.used, prev = s.prev, candidate = s.candidate, records = s.records, updates = s.updates;',
    'const count = s.count, baseCount = s.baseCount, seq = s.seq, tick = s.tick, limit = s.limit, owner = s.owner, order = s.order;',
    'const fSlot = s.fSlot, fGen = s.fGen, fTO = s.fTO, fAt = s.fAt, fSent = s.fSent, codes = s.codes;',
    'const bSlot = s.bSlot, bGen = s.bGen, bTO = s.bTO, bAt = s.bAt, bSent = s.bSent, base = s.bCodes;',
    'let words = w.words, wat = w.at, acc = w.acc, n = w.n, z = 0, v = 0, len = 0;',
    'for (; i < count; i++, j++) {',
    '  const slot = order[i];',
    `  if (j >= baseCount || bSlot[j] !== slot || typeCol[slot] !== ${type + 1}) break;`,
    `  if ((owner !== 0 && ownerCol[slot] === owner) !== ${owned}) break;`,
    `  const gen = genCol[slot] & ${GENERATION_MASK};`,
    `  if (bGen[j] !== gen || bTO[j] !== ${typeOwned}) break;`,
    '  const b0 = bAt[j];',
    // An entity its band holds back this message keeps its baseline's codes, unchanged: copied
    // without computing a code or a mask (most of a view, far out, most messages).
    ...(periodSource !== null
      ? [
        `  ${periodSource}`,
        '  if (zp > 1 && (seq + slot) % zp !== 0) {',
        `    ${fields.map((_, k) => `codes[used + ${k}] = base[b0 + ${k}];`).join(' ')}`,
        `    fSent[cnt] = bSent[j]; fSlot[cnt] = slot; fGen[cnt] = gen; fTO[cnt] = ${typeOwned}; fAt[cnt] = used; cnt++; used += ${fields.length};`,
        '    continue;',
        '  }',
      ]
      : []),
    ...codesAndMask(game, plan, colName, null).map((l) => `  ${l}`),
    '  if (mask !== 0) {',
    `    if (wat * 32 + n + ${worstRecordBits(plan)} > limit) break;`,
    '    const gap = slot - prev - 1;',
    ...recordWrite(game, plan).map((l) => `    ${l}`),
    '    fSent[cnt] = tick; prev = slot; records++; updates++; candidate++;',
    '  } else fSent[cnt] = bSent[j];',
    ...fields.map((_, k) => `  codes[used + ${k}] = c${k};`),
    `  fSlot[cnt] = slot; fGen[cnt] = gen; fTO[cnt] = ${typeOwned}; fAt[cnt] = used; cnt++; used += ${fields.length};`,
    '}',
    's.i = i; s.j = j; s.cnt = cnt; s.used = used; s.prev = prev; s.candidate = candidate; s.records = records; s.updates = updates;',
    'w.at = wat; w.acc = acc; w.n = n;',
  ];
  return o.join('\n');
}

/** Kernels shared by every type and recipient class whose records are alike, by plan (planKey). */
type SharedKernels = Map<string, Omit<TypeKernels, 'run'>>;

function compile(game: Game, plan: WirePlan, store: KernelStore, type: number, owned: boolean, shared: SharedKernels, zones: ZoneSource | null): TypeKernels {
  const columns = store.columns;
  const fields = Array.from(plan.fields);
  const used = [...new Set(fields)];
  const colName = (f: number): string => `col${used.indexOf(f)}`;
  // Update zones hold back what others own by distance; what the recipient owns is never held.
  const zoned = zones !== null && !owned;
  const periodSource = zoned ? zones.periodSource() : null;
  const periods = [...new Set(fields.map((f) => game.fields[f]!.period).filter((p) => p > 1))];
  const up: string[] = [];
  for (const p of periods) up.push(`const due${p} = ${dueExpr(p)};`);
  if (periodSource !== null) up.push(heldExpr(periodSource));
  fields.forEach((f, k) => {
    up.push(`const c${k} = ${codeOrBase(game, f, k, colName, zoned)};`);
    up.push(`codes[at + ${k}] = c${k};`);
  });
  const comps = plan.components.length;
  const changed = (c: number): string => {
    const ks: string[] = [];
    for (let k = plan.start[c]!; k < plan.start[c + 1]!; k++) ks.push(`c${k} !== base[b0 + ${k}]`);
    return ks.join(' || ');
  };
  const maskTerms = Array.from({ length: comps }, (_, c) => `((${changed(c)}) ? ${lit(2 ** c)} : 0)`);
  up.push(`const mask = ${maskTerms.join(' | ') || '0'};`);
  up.push('return mask;');
  // The record as the run kernel writes it (tables, codes two at a time, the head in one
  // append), from the codes update() just stored.
  const de: string[] = ['let words = w.words, wat = w.at, acc = w.acc, n = w.n, z = 0, v = 0, len = 0;'];
  fields.forEach((_, k) => de.push(`const c${k} = codes[at + ${k}];`));
  de.push(...recordWrite(game, plan), 'w.at = wat; w.acc = acc; w.n = n;');

  const en: string[] = [];
  fields.forEach((f, k) => {
    const p = game.fields[f]!;
    en.push(`const c${k} = ${codeExpr(p, `${colName(f)}[slot]`)};`);
    en.push(`codes[at + ${k}] = c${k};`);
    en.push(p.rawBits > 0 ? `w.write(c${k} - ${lit(p.codeMin)}, ${p.rawBits});` : `w.signed(c${k});`);
  });

  const zc = zones?.columns;
  const args = ['clamp', 'round', 'TC', 'TB', 'typeCol', 'genCol', 'ownerCol', 'zo', 'zx', 'zy', 'zz', ...used.map((f) => colName(f))];
  const values = [clamp, round, TIER_CODE, TIER_BITS, store.typeColumn, store.generationColumn, store.ownerColumn, zones ? zoneOrigin(store) : null, zc?.x ?? null, zc?.y ?? null, zc?.z ?? null, ...used.map((f) => columns[f]!)];
  const source = `return {
    update(slot, seq, codes, at, base, b0) { ${up.join('\n')} },
    delta(mask, gap, codes, at, base, b0, w) { ${de.join('\n')} },
    enter(slot, codes, at, w) { ${en.join('\n')} },
  };`;
  // Types whose records are alike (a family of creatures, say) share update, delta and enter:
  // fewer, hotter functions, optimised sooner, and fewer targets at the walk's call sites.
  const key = zoned ? `${wirePlanKey(plan)} zoned` : wirePlanKey(plan);
  let k = shared.get(key);
  if (!k) {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    k = (new Function(...args, source) as (...a: unknown[]) => Omit<TypeKernels, 'run'>)(...values);
    shared.set(key, k);
  }
  // The run kernel from a source of its own: compiled in the same one, it made update() and
  // delta() a third slower on a world of many types (Skyworld: 40 against 30 us a client).
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const run = (new Function(...args, `return function run(s, w) { ${runSource(game, plan, type, owned, colName, periodSource)} };`) as (...a: unknown[]) => RunKernel)(...values);
  // One object shape for every type's kernels (made here, not in each compiled source), so the
  // encoder's `kernel.update` stays a monomorphic load however many types a game declares.
  return { update: k.update, delta: k.delta, enter: k.enter, run };
}

const compiled = new WeakMap<KernelStore, Map<string, TypeKernels[]>>();

/**
 * Kernels for every type, indexed [type * 2 + (owned ? 1 : 0)]: compiled once per store (and
 * per update zones alike: their bands are the kernels' constants) and shared by every client's
 * replicator (they hold no state of their own).
 */
export function compileKernels(game: Game, store: KernelStore, zones: ZoneSource | null = null): TypeKernels[] {
  return byStoreAndZones(compiled, store, zones, () => {
    const out: TypeKernels[] = [];
    const shared: SharedKernels = new Map();
    game.types.forEach((t, i) => {
      out.push(compile(game, t.wire[0], store, i, false, shared, zones));
      out.push(compile(game, t.wire[1], store, i, true, shared, zones));
    });
    return out;
  });
}
