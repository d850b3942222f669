// Overload behaves: when ticks no longer fit their time the server sheds work on purpose, by
// level (a DeclaredServer sends each player a snapshot only every 2nd, then every 3rd tick),
// says so on /healthz and /metrics, and gives the work back once the load falls, with
// hysteresis rather than flapping.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OverloadGovernor } from '../../src/server/overload.js';
import { DeclaredServer } from '../../src/server/declared-server.js';
import type { DeclaredGameModule } from '../../src/server/declared-game.js';
import type { DeclaredClient } from '../../src/client/declared-client.js';
import { loadServerCrypto } from '../../src/net/crypto-node.js';
import { joinTag, tagModule, type Tag } from '../helpers/tag-game.js';
import { waiter } from '../helpers/until.js';

describe('OverloadGovernor', () => {
  it('steps up as the tick p90 passes 85 % and 100 % of its budget, and back down after 2 s under 60 %', () => {
    const g = new OverloadGovernor(60); // 16.7 ms
    const levels: number[] = [];
    const feed = (ms: number, ticks: number) => {
      for (let i = 0; i < ticks; i++) g.observe(ms);
      levels.push(g.level);
    };
    feed(8, 120);
    feed(15, 60); // 90 % of the budget
    feed(15, 60);
    feed(20, 60); // 120 %
    expect(levels).toEqual([0, 1, 1, 2]);
    expect(g.reason).toMatch(/tick p90 20\.0 ms is 120 % of the 16\.7 ms budget/);
    feed(12, 120); // 72 %: not calm enough to step down
    expect(g.level).toBe(2);
    feed(5, 60 + 120); // a second to fill the window, then 2 s calm
    expect(g.level).toBe(1);
    feed(5, 120);
    expect(g.level).toBe(0);
    expect(g.entered).toEqual([1, 2, 1]); // level 1 entered on the way up and on the way down
    expect(g.degradedTicks).toBeGreaterThan(300);
  });

  it('does not flap on a load that hovers at the threshold', () => {
    const g = new OverloadGovernor(60);
    let changes = 0;
    let last = 0;
    for (let i = 0; i < 6000; i++) {
      g.observe(i % 2 === 0 ? 14.5 : 13.8); // ~85 %
      if (g.level !== last) changes++;
      last = g.level;
    }
    expect(changes).toBeLessThanOrEqual(1);
  });
});

describe('an overloaded server', () => {
  // The tag game on a DeclaredServer whose game step can be made slow, with one player over UDP.
  let server: DeclaredServer<Tag>;
  let player: DeclaredClient<Tag>;
  let burnMs = 0;
  const log: string[] = [];
  /** The tick of every snapshot the player decoded, in order. */
  const snapshotTicks: number[] = [];
  const until = waiter(30_000, 50);

  beforeAll(async () => {
    const tag = tagModule();
    const module: DeclaredGameModule<Tag> = {
      ...tag,
      // Make every tick slow, as a load too heavy for the machine would.
      step: (tick) => {
        const end = performance.now() + burnMs;
        while (performance.now() < end);
        tag.step(tick);
      },
    };
    server = await DeclaredServer.start({ module, host: '127.0.0.1', httpPort: 0, udpPort: 0, maxClients: 8, processMetrics: false, log: (l) => log.push(l) });
    player = await joinTag(server.httpPort, await loadServerCrypto(), 'udp', { snapshot: (d) => snapshotTicks.push(d.tick) });
  });

  afterAll(async () => {
    player?.close();
    await server?.stop();
  });

  async function health(): Promise<{ status: string; degraded?: { level: number; reason: string; snapshotEveryTicks: number } }> {
    return (await fetch(`http://127.0.0.1:${server.httpPort}/healthz`)).json() as never;
  }

  /** The gaps between the ticks of the next `n` snapshots the player decodes. */
  async function nextGaps(n: number): Promise<number[]> {
    const from = snapshotTicks.length;
    await until(`${n} snapshots`, () => snapshotTicks.length >= from + n + 1);
    const ticks = snapshotTicks.slice(from, from + n + 1);
    return ticks.slice(1).map((t, i) => t - ticks[i]!);
  }

  it('says degraded with the reason, sends each player a snapshot every 3rd tick, counts it, and recovers', async () => {
    expect((await health()).status).toBe('ok');
    // Unloaded: a snapshot every tick (loopback loses next to nothing).
    const calm = await nextGaps(30);
    expect(calm.every((g) => g >= 1)).toBe(true);
    expect(calm.filter((g) => g === 1).length).toBeGreaterThanOrEqual(24);
    burnMs = 22; // more than a 16.7 ms tick
    await until('overload level 2', () => server.overload.level === 2);
    const h = await health();
    expect(h.status).toBe('degraded');
    expect(h.degraded!.level).toBe(2);
    expect(h.degraded!.snapshotEveryTicks).toBe(3);
    expect(h.degraded!.reason).toMatch(/tick p90 .* ms is \d+ % of the 16\.7 ms budget: a snapshot every 3 ticks per player/);
    expect(log.some((l) => l.startsWith('overloaded:'))).toBe(true);
    // Shedding: the snapshots already encoded at level 1 drained, then every 3rd tick only.
    await nextGaps(3);
    const shed = await nextGaps(10);
    expect(server.overload.level).toBe(2);
    expect(shed.every((g) => g >= 3 && g % 3 === 0)).toBe(true);
    const metrics = await (await fetch(`http://127.0.0.1:${server.httpPort}/metrics`)).text();
    expect(metrics).toMatch(/chronos_overload_level 2/);
    expect(metrics).toMatch(/chronos_overload_transitions_total\{level="degraded-more"\} 1/);
    expect(metrics).toMatch(/chronos_overload_degraded_seconds_total [1-9]/);
    burnMs = 0;
    await until('the load back to normal', () => server.overload.level === 0);
    expect((await health()).status).toBe('ok');
    expect(log.some((l) => l.startsWith('load back to normal'))).toBe(true);
    // Every tick again.
    await nextGaps(3);
    const back = await nextGaps(30);
    expect(back.filter((g) => g === 1).length).toBeGreaterThanOrEqual(24);
  }, 70_000);
});
