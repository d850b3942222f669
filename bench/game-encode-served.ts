// Case `encode-served-views` of suite `game`: the codec where a server uses it, on the arena
// shooter's world (examples/arena-shooter: 100,000 NPCs over 10 km, its rules in its own
// AssemblyScript, its store in the module's arena), 60 players walking from its centre, each
// view the game's own (DeclaredInterest: 100 m, narrowed in a crowd) and its update zones.
// Each tick every player's snapshot is encoded twice, by a replicator with the arena (its run
// kernels WebAssembly) and one without (the JavaScript kernels), in alternating order; both
// write the same bytes (checked each tick). The rows: the median per-player encode of each, the
// paired ratio (the median over ticks of the JavaScript encoders' time over the WebAssembly
// ones' in the same tick), the mean view. Encode only: no step, view, ack, packet or socket
// in the time.

import type { CaseResult, SuiteContext } from './harness.js';

const PLAYERS = 60;
const WARMUP_TICKS = 100;
const COUNTED_TICKS = 300;
const SUITE = 'game';
const CASE = 'encode-served-views';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (v: number, digits = 2): number => Number(v.toFixed(digits));

export async function encodeServedViews(ctx: SuiteContext): Promise<CaseResult[]> {
  const { createArena, ZONES } = await import('../examples/arena-shooter/module.js');
  const { GameReplicator } = await import('../src/codec/game-snapshot.js');
  const { NO_TARGET } = await import('../examples/arena-shooter/game.js');
  const arena = await createArena({ npcs: 100_000, seed: 1 });
  const avatars = Array.from({ length: PLAYERS }, (_, i) => arena.join(i + 1));
  const replicators = (wasm: boolean) => avatars.map((_, i) => new GameReplicator(arena.store, {
    viewCapacity: arena.viewCapacity, owner: i + 1, maxMessageBytes: 64 * 1024, zones: ZONES, arena: wasm ? arena.rules.arena : undefined,
  }));
  const wasm = replicators(true);
  const js = replicators(false);
  if (!wasm[0]!.wasm || js[0]!.wasm) throw new Error(`${CASE}: the arena's replicators did not take the WebAssembly kernels`);
  const views = avatars.map(() => new Uint32Array(arena.viewCapacity));
  const perWasm: number[] = [];
  const perJs: number[] = [];
  const ratios: number[] = [];
  let viewed = 0;
  const time = (f: () => unknown): number => {
    const t0 = process.hrtime.bigint();
    f();
    return Number(process.hrtime.bigint() - t0);
  };
  for (let t = 0; t < WARMUP_TICKS + COUNTED_TICKS; t++) {
    avatars.forEach((a, i) => arena.input(a, { moveX: Math.sin(t / 30 + i), moveY: Math.cos(t / 40 + i), fire: false, shoot: false, aim: 0, viewTick: 0, target: NO_TARGET }));
    arena.step(t);
    let w = 0;
    let j = 0;
    for (let i = 0; i < PLAYERS; i++) {
      const n = arena.visible(avatars[i]!, views[i]!);
      const origin = avatars[i]! & 0xfffff;
      let a = new Uint8Array(0);
      let b = new Uint8Array(0);
      const byWasm = () => (a = wasm[i]!.encode(t, views[i]!, n, 64 * 1024, origin).slice());
      const byJs = () => (b = js[i]!.encode(t, views[i]!, n, 64 * 1024, origin).slice());
      if ((t + i) % 2 === 0) {
        w += time(byWasm);
        j += time(byJs);
      } else {
        j += time(byJs);
        w += time(byWasm);
      }
      if (a.byteLength !== b.byteLength || a.some((x, k) => x !== b[k])) throw new Error(`${CASE}: the two encoders wrote different bytes at tick ${t}`);
      // Acknowledged two ticks later, as a player 30 ms away does.
      if (t >= 2) {
        wasm[i]!.ack(wasm[i]!.nextSeq - 3);
        js[i]!.ack(js[i]!.nextSeq - 3);
      }
      if (t >= WARMUP_TICKS) viewed += n;
    }
    if (t >= WARMUP_TICKS) {
      perWasm.push(w / PLAYERS);
      perJs.push(j / PLAYERS);
      ratios.push(j / w);
    }
  }
  for (const r of [...wasm, ...js]) r.dispose();
  const viewMean = round(viewed / COUNTED_TICKS / PLAYERS, 1);
  const row = (impl: string, ns: number[], metrics: Record<string, number>): CaseResult => {
    const sorted = [...ns].sort((x, y) => x - y);
    const r: CaseResult = {
      suite: SUITE, case: CASE, impl, median_ns: median(ns), mean_ns: ns.reduce((x, y) => x + y, 0) / ns.length,
      p99_ns: sorted[Math.floor(sorted.length * 0.99)]!, samples: ns.length, metrics: { players: PLAYERS, view_mean: viewMean, ...metrics },
    };
    ctx.log(`  ${CASE.padEnd(22)} ${impl.padEnd(18)} median ${(r.median_ns / 1000).toFixed(2)} us/player  view ${viewMean}`);
    return r;
  };
  return [
    row('chronos', perWasm, { wasm_run_kernels: 1, paired_speedup_vs_js: round(median(ratios), 3) }),
    row('chronos-js', perJs, { wasm_run_kernels: 0 }),
  ];
}
