// Suite `server`: the whole server tick of a world of the seed's size, socketless: the arena
// shooter (examples/arena-shooter, a declared game with its rules in its own module) on
// DeclaredServer with its network workers on the ring transport (packets through shared memory:
// the server is measured, not the kernel's UDP path), and N players in this thread as real
// NetClients that decode their snapshots, acknowledge them, stream an input a tick, and move by
// the seed's archetypes (archetype-brains.ts). Their work happens between the server's ticks.
//
// | case              | world                                  | timed, per tick                          |
// |-------------------|----------------------------------------|------------------------------------------|
// | tick-1k-players   | 1,000 players among 100,000 entities   | the workers open the players' packets    |
// | tick-10k-players  | 10,000 players among 100,000 entities  | (inputs and acks in), the main thread's  |
// |                   | (NPCs fill the rest), 10 km x 10 km,   | tick (inputs applied, the game's step,   |
// |                   | views of 200 m, the seed's zones       | spatial update, every view, every        |
// |                   |                                        | snapshot), the workers seal and hand     |
// |                   |                                        | every packet to the transport            |
//
// Impls (game-serve.ts): `chronos` (a network worker per core, as `npm start` runs),
// `chronos-1-worker`, `chronos-encode-workers` (and an encode worker per core but one). Metrics:
// cpu_us_per_player_tick (the main thread's tick plus every worker's busy time, per player),
// bytes_per_client (UDP payload each player is sent per tick, headers and tags included), and the
// rest of the game suite's serving metrics. SERVER_BENCH_PLAYERS=1000 runs one case alone.
// Before this suite served the arena shooter it served the engine's own built-in game (gone:
// the engine holds no game), so figures from before 2026-12-07 are of another game.

import type { CaseResult, Suite } from './harness.js';
import { serveArenaWorld } from './game-serve.js';

const SUITE = 'server';

export const suite: Suite = {
  name: SUITE,
  description: 'a world of the seed\'s size served whole (inputs in, the game\'s step, spatial, interest, encode, seal, hand to the transport), socketless',
  async run(ctx) {
    const results: CaseResult[] = [];
    const only = Number(process.env.SERVER_BENCH_PLAYERS ?? 0);
    for (const [caseName, players] of [['tick-1k-players', 1_000], ['tick-10k-players', 10_000]] as const) {
      if (only && only !== players) continue;
      results.push(...(await serveArenaWorld(ctx, caseName, players)));
    }
    return results;
  },
};
