// Suite `fixed`: Q16.16 kernels in WASM against JavaScript's f64 Math on the same arrays and
// against the bit-exact TypeScript mirror of the same Q16.16 functions (src/core/fixed.ts, the
// like-for-like peer: same results bit for bit, BigInt where the kernels use i64), and the
// deterministic NPC step in WASM against the object-per-entity JavaScript version.
// Cases: fixed-mul, fixed-sqrt, fixed-sin (4,096 values per call, ns_per_op in metrics;
// impls chronos, js-math, ts-fixed-mirror);
// npc-step-2k, npc-step-100k (one tick, ns_per_entity in metrics).

import { loadChronos } from '../src/wasm/loader.js';
import { Arena } from '../src/wasm/arena.js';
import { World } from '../src/core/world.js';
import { DEFAULT_CONFIG, worldBounds } from '../src/core/config.js';
import { FX_ONE, fxMul, fxSin, fxSqrt } from '../src/core/fixed.js';
import { consume, measure, type CaseResult, type Suite } from './harness.js';
import { JsNpcWorld } from './peers/js-npc-step.js';

const BATCH = 4096;

/** Cross-check: the mirror and the kernel wrote the same bits (a bench error otherwise). */
function sameBits(name: string, kernel: Int32Array, mirror: Int32Array): void {
  for (let i = 0; i < BATCH; i++) {
    if (kernel[i] !== mirror[i]) throw new Error(`${name}: chronos and ts-fixed-mirror disagree at ${i}: ${kernel[i]} vs ${mirror[i]}`);
  }
}
const SUITE = 'fixed';

export const suite: Suite = {
  name: SUITE,
  description: 'Q16.16 math and the NPC step: WASM vs JS (f64 Math, the bit-exact TS mirror, objects)',
  async run(ctx) {
    const results: CaseResult[] = [];
    const wasm = await loadChronos({ maximumPages: 4096 });
    const arena = new Arena(wasm);
    const k = wasm.exports;
    const cols = arena.soa('bench-fixed', BATCH, { a: 'i32', b: 'i32', out: 'i32' });
    const fa = new Float64Array(BATCH);
    const fb = new Float64Array(BATCH);
    const fout = new Float64Array(BATCH);
    let seed = 12345;
    const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296);
    for (let i = 0; i < BATCH; i++) {
      fa[i] = (rand() - 0.5) * 200;
      fb[i] = (rand() - 0.5) * 200;
      cols.column('a')[i] = Math.round(fa[i]! * FX_ONE);
      cols.column('b')[i] = Math.round(fb[i]! * FX_ONE);
    }
    const [pa, pb, pout] = [cols.ptrOf('a'), cols.ptrOf('b'), cols.ptrOf('out')];
    const perOp = { count: BATCH, unit: 'op' };
    // The mirror's inputs: the same Q16 values, in plain Int32Arrays.
    const qa = Int32Array.from(cols.column('a'));
    const qb = Int32Array.from(cols.column('b'));
    const qout = new Int32Array(BATCH);

    results.push(await measure(ctx, SUITE, 'fixed-mul', 'chronos', () => k.fx_mul_batch(pa, pb, pout, BATCH), { perOp }));
    results.push(
      await measure(ctx, SUITE, 'fixed-mul', 'js-math', () => {
        for (let i = 0; i < BATCH; i++) fout[i] = fa[i]! * fb[i]!;
        consume(fout);
      }, { perOp }),
    );
    results.push(
      await measure(ctx, SUITE, 'fixed-mul', 'ts-fixed-mirror', () => {
        for (let i = 0; i < BATCH; i++) qout[i] = fxMul(qa[i]!, qb[i]!);
        consume(qout);
      }, { perOp }),
    );
    sameBits('fixed-mul', cols.column('out'), qout);
    for (let i = 0; i < BATCH; i++) {
      fa[i] = Math.abs(fa[i]!);
      cols.column('a')[i] = Math.abs(cols.column('a')[i]!);
      qa[i] = cols.column('a')[i]!;
    }
    results.push(await measure(ctx, SUITE, 'fixed-sqrt', 'chronos', () => k.fx_sqrt_batch(pa, pout, BATCH), { perOp }));
    results.push(
      await measure(ctx, SUITE, 'fixed-sqrt', 'js-math', () => {
        for (let i = 0; i < BATCH; i++) fout[i] = Math.sqrt(fa[i]!);
        consume(fout);
      }, { perOp }),
    );
    results.push(
      await measure(ctx, SUITE, 'fixed-sqrt', 'ts-fixed-mirror', () => {
        for (let i = 0; i < BATCH; i++) qout[i] = fxSqrt(qa[i]!);
        consume(qout);
      }, { perOp }),
    );
    sameBits('fixed-sqrt', cols.column('out'), qout);
    results.push(await measure(ctx, SUITE, 'fixed-sin', 'chronos', () => k.fx_sin_batch(pa, pout, BATCH), { perOp }));
    results.push(
      await measure(ctx, SUITE, 'fixed-sin', 'js-math', () => {
        for (let i = 0; i < BATCH; i++) fout[i] = Math.sin(fa[i]!);
        consume(fout);
      }, { perOp }),
    );
    results.push(
      await measure(ctx, SUITE, 'fixed-sin', 'ts-fixed-mirror', () => {
        for (let i = 0; i < BATCH; i++) qout[i] = fxSin(qa[i]!);
        consume(qout);
      }, { perOp }),
    );
    sameBits('fixed-sin', cols.column('out'), qout);

    for (const [name, count] of [['npc-step-2k', 2_000], ['npc-step-100k', 100_000]] as const) {
      const config = DEFAULT_CONFIG;
      const world = World.create(arena, {
        name: name,
        capacity: count,
        seed: 1,
        tickHz: config.tickHz,
        bounds: worldBounds(config),
        npc: config.npc,
      });
      world.spawnNpcs(count);
      const perEntity = { count, unit: 'entity' };
      const metrics = { entities: count, region_bytes: world.byteLength };
      results.push(await measure(ctx, SUITE, name, 'chronos', () => world.step(), { perOp: perEntity, metrics }));
      const js = new JsNpcWorld({
        count,
        seed: 1,
        halfSizeM: config.worldSizeM / 2,
        heightM: config.worldHeightM,
        topSpeedPerTick: config.npc.topSpeedMps / config.tickHz,
        wanderMinTicks: config.npc.wanderMinS * config.tickHz,
        wanderMaxTicks: config.npc.wanderMaxS * config.tickHz,
        idlePercent: config.npc.idlePercent,
      });
      results.push(await measure(ctx, SUITE, name, 'js-objects', () => js.step(), { perOp: perEntity, metrics: { entities: count } }));
      arena.release(world.region);
    }
    return results;
  },
};
