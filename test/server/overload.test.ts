// Overload behaves: when ticks no longer fit their time the server sheds interest work on
// purpose (budgets and zone rates down, by level), says so on /healthz and /metrics, and gives
// the work back once the load falls, with hysteresis rather than flapping.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OverloadGovernor } from '../../src/server/overload.js';
import { GameServer } from '../../src/server/game-server.js';

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
  let server: GameServer;
  let burnMs = 0;
  const log: string[] = [];

  beforeAll(async () => {
    server = await GameServer.start({ host: '127.0.0.1', httpPort: 0, udpPort: 0, npcs: 100, worldSizeM: 400, seed: 3, maxClients: 8, processMetrics: false, log: (l) => log.push(l) });
    // Make every tick slow, as a load too heavy for the machine would.
    const tick = server.host.tick.bind(server.host);
    server.host.tick = () => {
      const until = performance.now() + burnMs;
      while (performance.now() < until);
      tick();
    };
  });

  afterAll(async () => {
    await server?.stop();
  });

  async function health(): Promise<{ status: string; degraded?: { level: number; reason: string } }> {
    return (await fetch(`http://127.0.0.1:${server.httpPort}/healthz`)).json() as never;
  }

  it('says degraded with the reason, sheds interest work, counts it, and recovers', async () => {
    expect((await health()).status).toBe('ok');
    burnMs = 22; // more than a 16.7 ms tick
    const deadline = Date.now() + 30_000;
    while (server.overload.level < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const h = await health();
    expect(h.status).toBe('degraded');
    expect(h.degraded!.level).toBe(2);
    expect(h.degraded!.reason).toMatch(/budgets x 0\.5/);
    expect(log.some((l) => l.startsWith('overloaded:'))).toBe(true);
    const metrics = await (await fetch(`http://127.0.0.1:${server.httpPort}/metrics`)).text();
    expect(metrics).toMatch(/chronos_overload_level 2/);
    expect(metrics).toMatch(/chronos_overload_transitions_total\{level="degraded-more"\} 1/);
    burnMs = 0;
    const back = Date.now() + 30_000;
    while (server.overload.level > 0 && Date.now() < back) await new Promise((r) => setTimeout(r, 50));
    expect((await health()).status).toBe('ok');
    expect(log.some((l) => l.startsWith('load back to normal'))).toBe(true);
  }, 70_000);
});
