// DeclaredBots, load-test bots for a game of one's own, against a real DeclaredServer on
// loopback: every bot joins from its own address, plays the brain's input (the server moves its
// avatar), decodes snapshots (the snapshot hook sees them), and leaves when closed; over
// WebSocket too. Options out of range are ConfigErrors, and a server that is not there fails
// the start with nothing left open.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { ConfigError } from '../../src/core/errors.js';
import { FX_ONE } from '../../src/core/fixed.js';
import { DeclaredBots, MAX_BOTS } from '../../src/client/declared-bots.js';
import { DeclaredServer } from '../../src/server/declared-server.js';
import { loadServerCrypto } from '../../src/net/crypto-node.js';
import type { NetCrypto } from '../../src/net/crypto.js';
import { TAG, tagModule, type Tag } from '../helpers/tag-game.js';
import { waiter } from '../helpers/until.js';

const until = waiter(10_000, 20);

let server: DeclaredServer<Tag>;
let module: ReturnType<typeof tagModule>;
let crypto: NetCrypto;
let url: string;

beforeAll(async () => {
  crypto = await loadServerCrypto();
  module = tagModule();
  server = await DeclaredServer.start({ module, host: '127.0.0.1', httpPort: 0, udpPort: 0, log: () => {} });
  url = `http://127.0.0.1:${server.httpPort}`;
});

afterAll(async () => {
  await server.stop();
});

const runners = (): number => {
  let n = 0;
  for (let s = 0; s < module.store.highWater; s++) if (module.store.typeColumn[s] === TAG.typeIndex.get('runner')! + 1) n++;
  return n;
};

describe('DeclaredBots', () => {
  it('joins every bot, plays its brain, sees its snapshots and leaves on close', async () => {
    const before = runners();
    const seen = new Map<number, number>();
    const frames: number[] = [];
    const bots = await DeclaredBots.start<Tag>({
      game: TAG,
      url,
      players: 4,
      crypto,
      // Bot i walks east (i even) or north (i odd): the server's avatars must follow.
      think: (_client, i, frame) => {
        frames.push(frame);
        return i % 2 === 0 ? { moveX: 1, moveY: 0 } : { moveX: 0, moveY: 1 };
      },
      snapshot: (client, i) => {
        expect(client.replica).not.toBeNull();
        seen.set(i, (seen.get(i) ?? 0) + 1);
      },
    });
    try {
      expect(bots.clients).toHaveLength(4);
      await until('4 bots joined with snapshots', () => bots.joined === 4 && [0, 1, 2, 3].every((i) => (seen.get(i) ?? 0) >= 10));
      expect(runners()).toBe(before + 4);
      // The brains' inputs reach the game: each avatar has moved its own way, as its own replica says.
      await until('every avatar moved its own way', () => bots.clients.every((c) => {
        const x = c.replica!.value(c.avatarId, 'position.x') as number | undefined;
        const y = c.replica!.value(c.avatarId, 'position.y') as number | undefined;
        return x !== undefined && y !== undefined && (bots.clients.indexOf(c) % 2 === 0 ? x > 5 : y > 5);
      }));
      const x = module.store.column('position.x');
      for (const [i, c] of bots.clients.entries()) {
        const [mx, my] = module.moves.get(c.avatarId)!;
        expect([mx, my]).toEqual(i % 2 === 0 ? [1, 0] : [0, 1]);
        expect(x[c.avatarId & 0xfffff]! / FX_ONE).toBeGreaterThan(i % 2 === 0 ? 5 : -Infinity);
      }
      // Frames count input ticks from the start (0), one a tick: a bot thinks from its first
      // snapshot on, so the first frame seen is the tick that came after it (0 unless the
      // machine was slow to deliver it), and each later one the same or the next.
      expect(frames[0]).toBeLessThan(60);
      expect(frames.every((f, k) => k === 0 || (f >= frames[k - 1]! && f - frames[k - 1]! <= 1))).toBe(true);
      expect(Math.max(...frames)).toBeGreaterThan(frames[0]! + 10);
      const t = bots.totals();
      expect(t.joined).toBe(4);
      expect(t.snapshots).toBeGreaterThanOrEqual(40);
      expect(t.snapshotBytes).toBeGreaterThan(t.snapshots * 18);
      expect(t.inputsSent).toBeGreaterThan(10);
      expect(bots.rateLine()).toMatch(/^4\/4 joined · [1-9]\d* snapshots\/s · \d+\.\d KiB\/s per player$/);
    } finally {
      bots.close();
      bots.close(); // idempotent
    }
    await until('the bots left', () => runners() === before);
  });

  it('connects each bot from its own address, over UDP and WebSocket: a one-token-per-address server seats them all', async () => {
    // One connect token a minute per address: only bots that are apart get in.
    const strict = await DeclaredServer.start({ module: tagModule(), host: '127.0.0.1', httpPort: 0, udpPort: 0, log: () => {}, connectRatePerIp: 1 });
    const sockets = (): number => process.getActiveResourcesInfo().filter((r) => r === 'UDPWrap' || r === 'TCPSocketWrap').length;
    const socketsAtStart = sockets();
    const at = `http://127.0.0.1:${strict.httpPort}`;
    try {
      for (const transport of ['udp', 'websocket'] as const) {
        // Addresses 127.0.0.20 .. 22 for UDP, .30 .. 32 for WebSocket: each asks once.
        const base = transport === 'udp' ? 20 : 30;
        const bots = await DeclaredBots.start<Tag>({ game: TAG, url: at, players: 3, crypto, transport, address: (i) => `127.0.0.${base + i}`, think: () => ({ moveX: -1, moveY: 0 }) });
        try {
          await until(`3 ${transport} bots joined`, () => bots.joined === 3 && bots.clients.every((c) => c.replica?.value(c.avatarId, 'position.x') !== undefined));
          expect(bots.clients.every((c) => c.net.stats().transport === transport)).toBe(true);
          // Their inputs arrive over this transport too: each walks west of where it was first seen.
          const first = bots.clients.map((c) => c.replica!.value(c.avatarId, 'position.x') as number);
          await until(`3 ${transport} bots walked west`, () => bots.clients.every((c, i) => (c.replica!.value(c.avatarId, 'position.x') as number) < first[i]! - 2));
        } finally {
          bots.close();
        }
      }
      // The same three from one address: the second token is refused, the start fails, and the
      // first bot's socket is closed with it (no socket but the servers' is left).
      await until('the earlier bots closed', () => sockets() === socketsAtStart);
      await expect(DeclaredBots.start<Tag>({ game: TAG, url: at, players: 3, crypto, address: () => '127.0.0.40', think: () => null })).rejects.toThrow(/^bot 2 of 3 \(index 1, from 127\.0\.0\.40\) could not connect to .*HTTP 429/);
      await until('the failed start closed its first bot', () => sockets() === socketsAtStart);
    } finally {
      await strict.stop();
    }
  });

  it('counts a brain that throws or asks for an input out of range, and a snapshot check that throws, and plays on', async () => {
    // Bot 0 throws every 3rd frame, bot 1 asks for moveX 5 (declared within [-1, 1]) every 2nd.
    const bots = await DeclaredBots.start<Tag>({
      game: TAG, url, players: 2, crypto,
      think: (_client, i, frame) => {
        if (i === 0 && frame % 3 === 0) throw new Error('brain fault');
        return { moveX: i === 1 && frame % 2 === 0 ? 5 : 1, moveY: 0 };
      },
      // A check that throws at every 10th snapshot of bot 1.
      snapshot: (client, i) => {
        if (i === 1 && client.stats.snapshots % 10 === 0) throw new Error('check fault');
      },
    });
    try {
      await until('errors counted while the bots play on', () => bots.totals().brainErrors > 20 && bots.totals().inputsSent > 20 && bots.totals().snapshots > 20);
      expect(bots.firstBrainError).toBeInstanceOf(Error);
      expect(bots.rateLine()).toMatch(/ · \d+ brain errors \(first: (brain fault|check fault|.*moveX.*)\)$/);
    } finally {
      bots.close();
    }
  });

  it('numbers its bots from firstIndex: their addresses and brains are those of a slice of a bigger swarm', async () => {
    const addresses: number[] = [];
    const thought = new Set<number>();
    const bots = await DeclaredBots.start<Tag>({
      game: TAG, url, players: 2, crypto, firstIndex: 7,
      address: (i) => {
        addresses.push(i);
        return `127.0.0.${60 + i}`;
      },
      think: (_client, i) => {
        thought.add(i);
        return { moveX: 0, moveY: 1 };
      },
    });
    try {
      await until('both bots thinking', () => thought.size === 2);
      expect(addresses).toEqual([7, 8]);
      expect([...thought].sort()).toEqual([7, 8]);
      expect(bots.firstIndex).toBe(7);
    } finally {
      bots.close();
    }
    await expect(DeclaredBots.start({ game: TAG, url, players: 1, think: () => null, firstIndex: -1 })).rejects.toThrow(ConfigError);
  });

  it('refuses options out of range with ConfigErrors', async () => {
    const think = () => null;
    for (const players of [0, -1, 1.5, MAX_BOTS + 1, Number.NaN]) {
      await expect(DeclaredBots.start({ game: TAG, url, players, think })).rejects.toThrow(ConfigError);
    }
    for (const inputHz of [0, -5, 241, Number.NaN]) {
      await expect(DeclaredBots.start({ game: TAG, url, players: 1, think, inputHz })).rejects.toThrow(ConfigError);
    }
    await expect(DeclaredBots.start({ game: TAG, url: 'ftp://127.0.0.1/', players: 1, think })).rejects.toThrow(/url/);
    await expect(DeclaredBots.start({ game: TAG, url: 'not a url', players: 1, think })).rejects.toThrow(ConfigError);
    await expect(DeclaredBots.start({ game: TAG, url, players: 1, think, transport: 'carrier-pigeon' as 'udp' })).rejects.toThrow(ConfigError);
    await expect(DeclaredBots.start({ game: TAG, url, players: 1, think: 'walk' as unknown as typeof think })).rejects.toThrow(ConfigError);
  });

  it('fails the start when nobody answers, leaving nothing open', async () => {
    // A port that was just free: connections to it are refused.
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    await expect(DeclaredBots.start({ game: TAG, url: `http://127.0.0.1:${port}`, players: 3, crypto, think: () => null })).rejects.toThrow(/^bot 1 of 3 \(index 0, from 127\.0\.0\.2\) could not connect to .*ECONNREFUSED/);
  });
});
