// A game that declares its data, served by DeclaredServer to real clients over loopback UDP and
// WebSocket: each client joins with an avatar, sees the world around it through GAME
// SNAPSHOTs, moves its avatar with declared inputs, receives its own inventory and never
// another player's, and a client of another declaration is refused.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { defineGame } from '../../src/core/game.js';
import { FX_ONE } from '../../src/core/fixed.js';
import { serveTag, TAG, tagModule, type Tag } from '../helpers/tag-game.js';
import { DeclaredServer } from '../../src/server/declared-server.js';
import { threadsForCores } from '../../src/server/declared-server-options.js';
import type { DeclaredGameModule } from '../../src/server/declared-game.js';
import { DeclaredClient } from '../../src/client/declared-client.js';
import { connectUdp } from '../../src/client/udp-connector.js';
import type { NetCrypto } from '../../src/net/crypto.js';
import { waiter } from '../helpers/until.js';

const tag = serveTag();
let server: DeclaredServer<Tag>;
let module: ReturnType<typeof tagModule>;
let crypto: NetCrypto;
/** Clients made here beside tag.join's (closed after the file's tests). */
const clients: { close(): void }[] = [];

beforeAll(() => {
  ({ server, module, crypto } = tag);
});

afterAll(() => {
  for (const c of clients) c.close();
});

const until = waiter(10_000, 20);

const joinOver = (transport: 'udp' | 'websocket'): Promise<DeclaredClient<Tag>> => tag.join(transport);

describe('DeclaredServer', () => {
  it('serves players over UDP and WebSocket: their view, their moves, their own inventory only', async () => {
    const a = await joinOver('udp');
    const b = await joinOver('websocket');
    expect(server.players).toBe(2);
    await until('both views filled', () => a.replica!.size > 100 && b.replica!.size > 100);
    a.setInput({ moveX: 1, moveY: 0 });
    b.setInput({ moveX: 0, moveY: -1 });
    const ax0 = module.store.get(a.avatarId, 'position.x') as number;
    const by0 = module.store.get(b.avatarId, 'position.y') as number;
    await until('both avatars moved', () => (module.store.get(a.avatarId, 'position.x') as number) > ax0 + 2 && (module.store.get(b.avatarId, 'position.y') as number) < by0 - 2);
    await until('a saw its own move', () => Math.abs((a.replica!.value(a.avatarId, 'position.x') as number) - (module.store.get(a.avatarId, 'position.x') as number)) < 1);
    for (const [me, other] of [[a, b], [b, a]] as const) {
      const r = me.replica!;
      expect(r.size).toBeGreaterThan(100);
      expect(r.has(other.avatarId)).toBe(true);
      expect(r.entity(me.avatarId)!.owned).toBe(true);
      expect(r.value(me.avatarId, 'purse.coins') as number).toBeGreaterThan(0);
      // The other runner's purse never reaches this client, nor any wisp's mind.
      expect(r.value(other.avatarId, 'purse.coins')).toBeUndefined();
      expect(r.entity(other.avatarId)!.purse).toBeUndefined();
      for (let i = 0; i < r.size; i++) if (r.typeAt(i) === 'wisp') expect(r.value(r.idAt(i), 'mind.plan')).toBeUndefined();
      expect(me.stats.drops.decode).toBe(0);
    }
    const players = await (await fetch(`http://127.0.0.1:${server.httpPort}/players`)).json() as unknown[];
    expect(players).toHaveLength(2);
    const info = await (await fetch(`http://127.0.0.1:${server.httpPort}/game.json`)).json() as Record<string, unknown>;
    expect(info).toMatchObject({ mode: 'declared', game: 'tag-test', fingerprint: TAG.fingerprint });
  });

  it('a client of another declaration is refused and plays nothing', async () => {
    const other = defineGame({ ...TAG.declaration, name: 'not-tag' });
    const client = await DeclaredClient.create({
      game: other,
      tokenUrl: `http://127.0.0.1:${server.httpPort}/connect`,
      crypto,
      transport: 'udp',
      udp: connectUdp,
    });
    clients.push(client);
    await client.connect();
    await until('the refusal', () => client.stats.drops.wrong_game > 0);
    expect(client.replica).toBeNull();
    expect(client.stats.drops.wrong_game).toBe(1);
  });

  it('drops malformed and out-of-range inputs, counting them, and keeps serving', async () => {
    const c = await joinOver('udp');
    const before = module.moves.get(c.avatarId);
    // A record whose moveX code is 128 (raw 255 from the minimum -127: outside -127..127), then
    // a message of the wrong length, and an ACK of the wrong length.
    const bad = new Uint8Array(6 + c.inputCodec.bytes);
    bad.set([0x62, 1, 0, 0, 0, 0]);
    bad[6] = 0xff;
    c.net.send(1, bad);
    c.net.send(1, Uint8Array.of(0x62, 1, 0, 0, 0));
    c.net.send(2, Uint8Array.of(0x63, 1, 2));
    const metrics = async () => (await (await fetch(`http://127.0.0.1:${server.httpPort}/metrics`)).text());
    const end = Date.now() + 15_000;
    let text = '';
    while (Date.now() < end) {
      text = await metrics();
      if (/reason="input_range"\} 1/.test(text) && /reason="decode"\} [2-9]/.test(text)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(text).toMatch(/chronos_declared_messages_dropped_total\{reason="input_range"\} 1/);
    expect(text).toMatch(/chronos_declared_messages_dropped_total\{reason="decode"\} [2-9]/);
    expect(module.moves.get(c.avatarId)).toEqual(before);
    const snapshots = c.stats.snapshots;
    await until('snapshots to keep coming', () => c.stats.snapshots > snapshots + 5);
  });
});

describe('DeclaredServer saves', () => {
  it('restores the world from its save at start, without the players, and saves at shutdown', async () => {
    const { mkdtempSync, rmSync, existsSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'chronos-declared-save-'));
    const file = join(dir, 'tag.csav');
    try {
      const first = tagModule();
      const s1 = await DeclaredServer.start({ module: { ...first, unsavedTypes: ['runner'] }, host: '127.0.0.1', httpPort: 0, udpPort: 0, log: () => {}, manualTicks: true, save: { file, autosaveMs: 0 } });
      const rock = first.store.spawn('rock', { position: { x: 123.5, y: -77.25 } });
      const runner = first.store.spawn('runner', { position: { x: 1, y: 1 }, purse: { coins: 9 } }, 5);
      await s1.stop();
      expect(existsSync(file)).toBe(true);
      let restored = 0;
      const second = tagModule();
      const s2 = await DeclaredServer.start({ module: { ...second, unsavedTypes: ['runner'], restored: () => restored++ }, host: '127.0.0.1', httpPort: 0, udpPort: 0, log: () => {}, manualTicks: true, save: { file, autosaveMs: 0 } });
      expect(restored).toBe(1);
      expect(second.store.get(rock, 'position.x')).toBe(123.5);
      expect(second.store.get(rock, 'position.y')).toBe(-77.25);
      expect(second.store.isAlive(runner)).toBe(false);
      expect(second.store.alive).toBe(first.store.alive - 1);
      await s2.stop();
      // A damaged save stops the start with a typed error.
      writeFileSync(file, Uint8Array.of(1, 2, 3));
      await expect(DeclaredServer.start({ module: tagModule(), host: '127.0.0.1', httpPort: 0, udpPort: 0, log: () => {}, manualTicks: true, save: { file, autosaveMs: 0 } })).rejects.toThrow(/invalid save/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('DeclaredServer inputs', () => {
  it('hands the game every different input in the order sent, one a tick, even several made between two sends', async () => {
    const base = tagModule();
    const seen: number[] = [];
    const ticksOf: number[] = [];
    let tick = 0;
    const module: DeclaredGameModule<Tag> = {
      ...base,
      input: (avatar, input) => {
        seen.push(Math.round((input.moveX as number) * 127));
        ticksOf.push(tick);
        base.input(avatar, input);
      },
      step: (t) => {
        tick = t;
        base.step(t);
      },
    };
    const s = await DeclaredServer.start({ module, host: '127.0.0.1', httpPort: 0, udpPort: 0, log: () => {} });
    const c = await DeclaredClient.create({ game: TAG, tokenUrl: `http://127.0.0.1:${s.httpPort}/connect`, crypto, transport: 'udp', udp: connectUdp });
    try {
      await c.connect();
      await until('the join', () => c.join !== null);
      // Five inputs in one turn (a press that lasted one frame among them), one repeated.
      for (const k of [10, 20, 20, 30, 40, 50]) c.setInput({ moveX: k / 127, moveY: 0 });
      await until('all five inputs applied', () => seen.length >= 5);
      expect(seen.slice(0, 5)).toEqual([10, 20, 30, 40, 50]);
      // One a tick: the game saw them on five consecutive ticks.
      for (let i = 1; i < 5; i++) expect(ticksOf[i]! - ticksOf[i - 1]!).toBe(1);
    } finally {
      c.close();
      await s.stop();
    }
  });
});

describe('DeclaredServer input streams (predicting clients)', () => {
  it('applies each streamed input exactly once: a tick without one releases the last, and snapshots name the last applied', async () => {
    const base = tagModule();
    const events: string[] = [];
    const module: DeclaredGameModule<Tag> = {
      ...base,
      input: (avatar, input) => {
        events.push(`in ${Math.round((input.moveX as number) * 127)}`);
        base.input(avatar, input);
      },
      release: (avatar) => {
        events.push('release');
        base.moves.delete(avatar);
      },
    };
    const s = await DeclaredServer.start({ module, host: '127.0.0.1', httpPort: 0, udpPort: 0, log: () => {}, manualTicks: true });
    let lastApplied = -2;
    const c = await DeclaredClient.create({
      game: TAG, tokenUrl: `http://127.0.0.1:${s.httpPort}/connect`, crypto, transport: 'udp', udp: connectUdp,
      handlers: { snapshot: (d) => (lastApplied = d.inputSeq) },
    });
    const tick = async () => {
      s.runTick();
      await new Promise((r) => setTimeout(r, 2));
    };
    try {
      const connecting = c.connect();
      await until('the join', async () => {
        await tick();
        return c.join !== null;
      });
      await connecting;
      const me = c.avatarId;
      const x0 = base.store.get(me, 'position.x') as number;
      // Three ticks' inputs, the same one three times: a stream counts each.
      expect([0, 1, 2].map(() => c.pushInput({ moveX: 5 / 127, moveY: 0 }))).toEqual([0, 1, 2]);
      await until('the three inputs applied', async () => {
        await tick();
        return events.filter((e) => e === 'in 5').length === 3;
      });
      await tick();
      await tick();
      expect(events.filter((e) => e !== 'in 5')).toEqual(['release', 'release']);
      expect(events.slice(-2)).toEqual(['release', 'release']);
      // Three steps of movement, however many ticks went by: the dry ones moved nothing.
      const step = Math.round((5 / 127) * 0.2 * FX_ONE) / FX_ONE;
      expect((base.store.get(me, 'position.x') as number) - x0).toBeCloseTo(3 * step, 10);
      await until('a snapshot saying input 2 was the last applied', async () => {
        await tick();
        return lastApplied === 2;
      });
      expect(await (await fetch(`http://127.0.0.1:${s.httpPort}/metrics`)).text()).toMatch(/chronos_declared_input_gaps_total [1-9]/);
    } finally {
      c.close();
      await s.stop();
    }
  });
});

describe('DeclaredServer input stream caps', () => {
  it('holds at most 32 of a stream\'s inputs, the oldest dropped and counted', async () => {
    const base = tagModule();
    let applied = 0;
    const module: DeclaredGameModule<Tag> = { ...base, input: (avatar, input) => { applied++; base.input(avatar, input); } };
    const s = await DeclaredServer.start({ module, host: '127.0.0.1', httpPort: 0, udpPort: 0, log: () => {}, manualTicks: true });
    const c = await DeclaredClient.create({ game: TAG, tokenUrl: `http://127.0.0.1:${s.httpPort}/connect`, crypto, transport: 'udp', udp: connectUdp });
    const metrics = async () => (await (await fetch(`http://127.0.0.1:${s.httpPort}/metrics`)).text());
    try {
      const connecting = c.connect();
      await until('the join', async () => {
        s.runTick();
        await new Promise((r) => setTimeout(r, 2));
        return c.join !== null;
      });
      await connecting;
      // 40 ticks' inputs at once (a client claiming to predict can make the server hold this many).
      for (let i = 0; i < 40; i++) c.pushInput({ moveX: (i % 100) / 127, moveY: 0 });
      await until('the backlog drops', async () => /chronos_declared_messages_dropped_total\{reason="input_backlog"\} 8\b/.test(await metrics()));
      for (let t = 0; t < 50; t++) s.runTick();
      expect(applied).toBe(32);
    } finally {
      c.close();
      await s.stop();
    }
  });
});

describe('DeclaredServer under load', () => {
  it('sheds snapshots when its ticks overrun: every 3rd tick per player at level 2, staggered, and says so', async () => {
    const s = await DeclaredServer.start({ module: tagModule(), host: '127.0.0.1', httpPort: 0, udpPort: 0, log: () => {}, manualTicks: true });
    const players = await Promise.all([0, 1, 2].map(async () => {
      const c = await DeclaredClient.create({ game: TAG, tokenUrl: `http://127.0.0.1:${s.httpPort}/connect`, crypto, transport: 'udp', udp: connectUdp });
      await c.connect();
      return c;
    }));
    try {
      const tickUntil = async (what: string, ok: () => boolean) => {
        await until(what, async () => {
          s.runTick();
          await new Promise((r) => setTimeout(r, 5));
          return ok();
        });
      };
      await tickUntil('every player joined', () => players.every((c) => c.stats.snapshots > 0));
      const before = players.map((c) => c.stats.snapshots);
      for (let i = 0; i < 30; i++) s.runTick();
      await until('30 ticks of snapshots', () => players.every((c, k) => c.stats.snapshots >= before[k]! + 30));
      // Overloaded at level 2: a third of the snapshots, each player on its own ticks.
      s.overload.level = 2;
      const mid = players.map((c) => c.stats.snapshots);
      for (let i = 0; i < 30; i++) s.runTick();
      await until('the shed snapshots', () => players.every((c, k) => c.stats.snapshots >= mid[k]! + 10));
      await new Promise((r) => setTimeout(r, 100));
      for (const [k, c] of players.entries()) expect(c.stats.snapshots - mid[k]!).toBe(10);
      const health = (await (await fetch(`http://127.0.0.1:${s.httpPort}/healthz`)).json()) as { status: string; degraded?: { snapshotEveryTicks: number } };
      expect(health.status).toBe('degraded');
      expect(health.degraded?.snapshotEveryTicks).toBe(3);
      expect(await (await fetch(`http://127.0.0.1:${s.httpPort}/metrics`)).text()).toMatch(/chronos_overload_level 2/);
    } finally {
      for (const c of players) c.close();
      await s.stop();
    }
  });

  it('with shedLoad off, an overloaded server still sends every player every tick (and still reports it)', async () => {
    const s = await DeclaredServer.start({ module: tagModule(), host: '127.0.0.1', httpPort: 0, udpPort: 0, log: () => {}, manualTicks: true, shedLoad: false });
    const c = await DeclaredClient.create({ game: TAG, tokenUrl: `http://127.0.0.1:${s.httpPort}/connect`, crypto, transport: 'udp', udp: connectUdp });
    try {
      await c.connect();
      await until('joined', async () => {
        s.runTick();
        await new Promise((r) => setTimeout(r, 5));
        return c.stats.snapshots > 0;
      });
      s.overload.level = 2;
      const mid = c.stats.snapshots;
      for (let i = 0; i < 30; i++) s.runTick();
      await until('every tick\'s snapshot', () => c.stats.snapshots >= mid + 30);
      await new Promise((r) => setTimeout(r, 100));
      expect(c.stats.snapshots - mid).toBe(30);
      expect(await (await fetch(`http://127.0.0.1:${s.httpPort}/metrics`)).text()).toMatch(/chronos_overload_level 2/);
    } finally {
      c.close();
      await s.stop();
    }
  });
});

describe('DeclaredServer against hostile messages', () => {
  it('survives random bytes on every channel: counted drops, the game goes on', async () => {
    const { mulberry32 } = await import('../../src/core/mulberry32.js');
    const c = await joinOver('udp');
    const rnd = mulberry32(77);
    const metrics = async () => (await (await fetch(`http://127.0.0.1:${server.httpPort}/metrics`)).text());
    const dropsOf = (text: string) => [...text.matchAll(/chronos_declared_messages_dropped_total\{reason="[a-z_]+"\} (\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
    const before = dropsOf(await metrics());
    let sent = 0;
    for (let i = 0; i < 300; i++) {
      const channel = Math.floor(rnd() * 3);
      // Within each channel's limit (the network layer drops anything bigger before it is decoded).
      const most = channel === 0 ? 1 : channel === 1 ? 6 + 8 * c.inputCodec.bytes : 5;
      const bytes = Uint8Array.from({ length: 1 + Math.floor(rnd() * most) }, () => Math.floor(rnd() * 256));
      if (rnd() < 0.5 && channel > 0) bytes[0] = channel === 1 ? 0x62 : 0x63;
      if (c.net.send(channel, bytes) >= 0) sent++;
      if (i % 20 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    expect(sent).toBeGreaterThan(200);
    await until('the drops counted', async () => dropsOf(await metrics()) > before + 50, 15_000);
    const snapshots = c.stats.snapshots;
    await until('snapshots still coming', () => c.stats.snapshots > snapshots + 5);
    const health = (await (await fetch(`http://127.0.0.1:${server.httpPort}/healthz`)).json()) as { status: string };
    expect(health.status).not.toBe('stopped');
  });
});

describe('DeclaredServer with network workers, as a stranger sees it', () => {
  it('a worker\'s client sending random messages and a spoofer blasting random datagrams at every port: counted drops, no amplification, the game goes on', async () => {
    const { mulberry32 } = await import('../../src/core/mulberry32.js');
    const { createSocket } = await import('node:dgram');
    const s = await DeclaredServer.start({ module: tagModule(), host: '127.0.0.1', httpPort: 0, udpPort: 0, log: () => {}, netWorkers: 2 });
    const c = await DeclaredClient.create({ game: TAG, tokenUrl: `http://127.0.0.1:${s.httpPort}/connect`, crypto, transport: 'udp', udp: connectUdp });
    const spoofer = createSocket('udp4');
    try {
      await c.connect();
      await until('a first snapshot', () => c.stats.snapshots > 0);
      const rnd = mulberry32(91);
      const metrics = async () => (await (await fetch(`http://127.0.0.1:${s.httpPort}/metrics`)).text());
      const dropsOf = (text: string) => [...text.matchAll(/chronos_declared_messages_dropped_total\{reason="[a-z_]+"\} (\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
      const before = dropsOf(await metrics());
      // Inside the session: random messages on every channel, within each channel's size limit.
      for (let i = 0; i < 300; i++) {
        const channel = Math.floor(rnd() * 3);
        const most = channel === 0 ? 1 : channel === 1 ? 6 + 8 * c.inputCodec.bytes : 5;
        const bytes = Uint8Array.from({ length: 1 + Math.floor(rnd() * most) }, () => Math.floor(rnd() * 256));
        if (rnd() < 0.5 && channel > 0) bytes[0] = channel === 1 ? 0x62 : 0x63;
        c.net.send(channel, bytes);
        if (i % 20 === 0) await new Promise((r) => setTimeout(r, 5));
      }
      // Outside any session: random datagrams at every worker's port, counting what comes back.
      let received = 0;
      let sentBytes = 0;
      spoofer.on('message', (m) => (received += m.byteLength));
      await new Promise<void>((r) => spoofer.bind(0, '127.0.0.1', () => r()));
      for (let i = 0; i < 400; i++) {
        const bytes = Buffer.from(Uint8Array.from({ length: 1 + Math.floor(rnd() * 1200) }, () => Math.floor(rnd() * 256)));
        sentBytes += bytes.byteLength;
        spoofer.send(bytes, s.udpPorts[i % s.udpPorts.length]!, '127.0.0.1');
        if (i % 50 === 0) await new Promise((r) => setTimeout(r, 5));
      }
      await until('the drops counted', async () => dropsOf(await metrics()) > before + 50, 15_000);
      const snapshots = c.stats.snapshots;
      await until('snapshots still coming', () => c.stats.snapshots > snapshots + 5);
      await new Promise((r) => setTimeout(r, 200));
      expect(received).toBeLessThanOrEqual(3 * sentBytes);
      expect(received).toBe(0); // nothing answers a datagram that is not a valid handshake
      const health = (await (await fetch(`http://127.0.0.1:${s.httpPort}/healthz`)).json()) as { status: string; netWorkers: number };
      expect(health.status).not.toBe('stopped');
      expect(health.netWorkers).toBe(2);
      expect(s.players).toBe(1);
    } finally {
      spoofer.close();
      c.close();
      await s.stop();
    }
  });
});

describe('DeclaredServer when the game fails', () => {
  it('refuses a player the game cannot seat, and counts a step that throws while the loop goes on', async () => {
    const base = tagModule();
    let steps = 0;
    const module: DeclaredGameModule<Tag> = {
      ...base,
      join: () => {
        throw new Error('no room');
      },
      step: (t) => {
        steps++;
        if (t % 2 === 0) throw new Error('a bug in the rules');
        base.step(t);
      },
    };
    const lines: string[] = [];
    const s = await DeclaredServer.start({ module, host: '127.0.0.1', httpPort: 0, udpPort: 0, log: (l) => lines.push(l) });
    let ended = '';
    const c = await DeclaredClient.create({
      game: TAG, tokenUrl: `http://127.0.0.1:${s.httpPort}/connect`, crypto, transport: 'udp', udp: connectUdp, reconnect: false,
      handlers: { disconnect: (reason) => (ended = String(reason)) },
    });
    try {
      await c.connect().catch(() => undefined);
      await until('the refusal', () => ended !== '');
      expect(s.players).toBe(0);
      await until('ticks to go on past the throwing ones', () => steps > 20);
      const text = await (await fetch(`http://127.0.0.1:${s.httpPort}/metrics`)).text();
      expect(text).toMatch(/chronos_declared_messages_dropped_total\{reason="join_failed"\} 1/);
      expect(Number(text.match(/chronos_tick_errors_total (\d+)/)![1])).toBeGreaterThanOrEqual(10);
      // Logged at most once a second, not once a tick.
      expect(lines.filter((l) => l.includes('a tick threw')).length).toBeLessThan(5);
    } finally {
      c.close();
      await s.stop();
    }
  });
});

describe('threadsForCores (the declared servers\' default threads)', () => {
  it('takes a network worker per core, and encode workers for all but one core from four cores on', () => {
    expect([1, 2, 3, 4, 16].map((c) => threadsForCores(c))).toEqual([
      { netWorkers: 1, encodeWorkers: 0 }, { netWorkers: 2, encodeWorkers: 0 }, { netWorkers: 3, encodeWorkers: 0 },
      { netWorkers: 4, encodeWorkers: 3 }, { netWorkers: 16, encodeWorkers: 15 },
    ]);
    expect(threadsForCores(0)).toEqual({ netWorkers: 1, encodeWorkers: 0 });
  });
});

describe('DeclaredServer with network workers', () => {
  it('serves UDP players through worker threads (each its own port) and WebSocket ones on the main thread alike', async () => {
    const module = tagModule();
    const s = await DeclaredServer.start({ module, host: '127.0.0.1', httpPort: 0, udpPort: 0, log: () => {}, netWorkers: 2 });
    const made: DeclaredClient<Tag>[] = [];
    try {
      const ports = s.udpPorts;
      expect(ports).toHaveLength(2);
      expect(new Set(ports).size).toBe(2);
      const join = async (transport: 'udp' | 'websocket') => {
        const c = await DeclaredClient.create({
          game: TAG, tokenUrl: `http://127.0.0.1:${s.httpPort}/connect`, crypto,
          ...(transport === 'udp' ? { transport: 'udp' as const, udp: connectUdp } : { transport: 'websocket' as const, WebSocket: WebSocket as never }),
        });
        made.push(c);
        await c.connect();
        await until('a first snapshot', () => c.stats.snapshots > 0);
        return c;
      };
      // Four UDP players (the least loaded worker takes each: two a worker) and one over WebSocket.
      const players = [await join('udp'), await join('udp'), await join('udp'), await join('udp'), await join('websocket')];
      expect(s.players).toBe(5);
      const health = await (await fetch(`http://127.0.0.1:${s.httpPort}/healthz`)).json() as { netWorkers: number; udpPorts: number[] };
      expect(health.netWorkers).toBe(2);
      expect(health.udpPorts).toEqual(ports);
      const text = await (await fetch(`http://127.0.0.1:${s.httpPort}/metrics`)).text();
      const perWorker = [...text.matchAll(/chronos_net_worker_connections\{worker="(\d+)"\} (\d+)/g)].map((m) => Number(m[2]));
      expect(perWorker).toEqual([2, 2]);
      players.forEach((c, i) => c.setInput({ moveX: i % 2 === 0 ? 1 : -1, moveY: 0 }));
      const x0 = players.map((c) => module.store.get(c.avatarId, 'position.x') as number);
      await until('every avatar moved by its input', () => players.every((c, i) => Math.abs((module.store.get(c.avatarId, 'position.x') as number) - x0[i]!) > 2));
      players.forEach((c, i) => expect(Math.sign((module.store.get(c.avatarId, 'position.x') as number) - x0[i]!)).toBe(i % 2 === 0 ? 1 : -1));
      for (const c of players) {
        await until('its own move seen', () => Math.abs((c.replica!.value(c.avatarId, 'position.x') as number) - (module.store.get(c.avatarId, 'position.x') as number)) < 1);
        expect(c.replica!.size).toBeGreaterThan(50);
        for (const other of players) if (other !== c) expect(c.replica!.value(other.avatarId, 'purse.coins')).toBeUndefined();
      }
      // Acknowledged through the workers: later snapshots are deltas carrying the few runners
      // that move, not whole views of 100+ entities (each of those alone is over 1 KB).
      const before = players.map((c) => [c.stats.snapshots, c.stats.snapshotBytes] as const);
      await until('30 more snapshots each', () => players.every((c, i) => c.stats.snapshots > before[i]![0] + 30));
      players.forEach((c, i) => expect((c.stats.snapshotBytes - before[i]![1]) / (c.stats.snapshots - before[i]![0])).toBeLessThan(200));
      const metrics = await (await fetch(`http://127.0.0.1:${s.httpPort}/metrics`)).text();
      expect(metrics).not.toMatch(/chronos_declared_messages_dropped_total\{reason="decode"\} [1-9]/);
      // A worker's player that leaves frees its avatar.
      const leaving = players[0]!;
      leaving.close();
      await until('the avatar despawned', () => !module.store.isAlive(leaving.avatarId));
      expect(s.players).toBe(4);
    } finally {
      for (const c of made) c.close();
      await s.stop();
    }
  });
});
