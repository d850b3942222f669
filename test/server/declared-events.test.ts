// DeclaredServer.emit: a game's events reach exactly the players within their range (checked
// against a brute-force distance test, over UDP and WebSocket, a spectator by its camera), in
// order and whole; bad events are refused with typed errors; a client cannot send on the event
// channel; a connection that holds too many unacknowledged drops the next, counted.

import { describe, expect, it } from 'vitest';
import { serveTag, tagModule, type Tag } from '../helpers/tag-game.js';
import { DeclaredEvents } from '../../src/server/declared-events.js';
import type { DeclaredSession } from '../../src/server/declared-session.js';
import type { DeclaredClient } from '../../src/client/declared-client.js';
import { DECLARED_EVENT_CHANNEL, DECLARED_EVENT_QUEUE } from '../../src/client/declared-channels.js';
import { ConfigError, InvalidArgumentError } from '../../src/core/errors.js';
import { mulberry32 } from '../../src/core/mulberry32.js';
import { waiter } from '../helpers/until.js';

const tag = serveTag();
const until = waiter(10_000, 20);
/** Every player the file joined. */
const clients: DeclaredClient<Tag>[] = [];

/** A player, and the kinds of the events it heard, in order. */
async function join(transport: 'udp' | 'websocket', heard: number[] = []): Promise<DeclaredClient<Tag>> {
  const client = await tag.join(transport, { event: (e) => heard.push(e.kind) });
  clients.push(client);
  return client;
}

describe('DeclaredServer.emit', () => {
  it('reaches exactly the players within an event\'s range, in order, over UDP and WebSocket', async () => {
    const got: number[][] = [[], [], [], []];
    const everyone = [await join('udp', got[0]), await join('udp', got[1]), await join('websocket', got[2]), await join('udp', got[3])];
    const at: [number, number][] = [[0, 0], [50, 0], [0, 45], [200, -120]];
    everyone.forEach((c, i) => {
      tag.module.store.set(c.avatarId, 'position.x', at[i]![0]);
      tag.module.store.set(c.avatarId, 'position.y', at[i]![1]);
    });
    // Random events: centres over the 4 of them and beyond, ranges from nothing to everyone.
    const rand = mulberry32(5);
    const expected = everyone.map(() => [] as number[]);
    for (let k = 0; k < 40; k++) {
      const x = Math.round((rand() * 700 - 350) * 64) / 64;
      const y = Math.round((rand() * 700 - 350) * 64) / 64;
      const rangeM = k % 10 === 9 ? Infinity : Math.round(rand() * 250);
      const payload = Uint8Array.from({ length: k % 7 }, (_, i) => (k + i) & 0xff);
      const result = tag.server.emit({ kind: k, x, y, rangeM, payload });
      let inRange = 0;
      at.forEach(([px, py], i) => {
        if (rangeM === Infinity || (px - x) ** 2 + (py - y) ** 2 <= rangeM * rangeM) {
          expected[i]!.push(k);
          inRange++;
        }
      });
      expect(result).toEqual({ sent: inRange, dropped: 0, bytes: inRange * (24 + payload.byteLength) });
    }
    // Each in its own order, whole (their payloads and places), none it was not in range of.
    await until('every event delivered', () => everyone.every((c, i) => c.stats.events >= expected[i]!.length));
    await new Promise((r) => setTimeout(r, 100));
    everyone.forEach((c, i) => {
      expect(c.stats.events).toBe(expected[i]!.length);
      expect(got[i]).toEqual(expected[i]);
    });
    const last = everyone.find((c) => c.recentEvents.length > 0)!.recentEvents.at(-1)!;
    expect(last.payload).toEqual(Uint8Array.from({ length: last.kind % 7 }, (_, i) => (last.kind + i) & 0xff));
    expect(expected.every((e) => e.length > 3)).toBe(true);
    expect(expected.some((e, i) => e.length < expected[(i + 1) % expected.length]!.length)).toBe(true);
    const metrics = await (await fetch(`http://127.0.0.1:${tag.server.httpPort}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`chronos_declared_events_total\\{result="sent"\\} ${expected.reduce((n, e) => n + e.length, 0)}`));
  });

  it('reaches a spectator by its camera on the ground, and no player whose avatar is gone', () => {
    const sent: number[] = [];
    const session = (id: number, extra: Partial<DeclaredSession<Tag>>) => ({ link: { state: 'connected', sendBorrowed: () => (sent.push(id), 1) }, avatar: 0, camera: null, ...extra }) as unknown as DeclaredSession<Tag>;
    const gone = tag.module.store.spawn('rock', { position: { x: 1, y: 1 } });
    tag.module.store.despawn(gone);
    const events = new DeclaredEvents(tag.module.store, tag.module.positions);
    const sessions = [session(1, { camera: { xM: 30, yM: 40 } }), session(2, { camera: { xM: 31, yM: 40 } }), session(3, { avatar: gone })];
    // 50 m from the first camera, past it from the second; the event's height does not count against a camera.
    expect(events.deliver({ kind: 2, x: 0, y: 0, z: 30, rangeM: 50 }, 0, sessions)).toEqual({ sent: 1, dropped: 0, bytes: 24 });
    expect(sent).toEqual([1]);
    expect(events.deliver({ kind: 2, x: 0, y: 0, rangeM: Infinity }, 0, sessions)).toEqual({ sent: 3, dropped: 0, bytes: 72 });
  });

  it('refuses a bad event with a typed error and sends nothing', async () => {
    const before = clients.map((c) => c.stats.events);
    const bad = [
      { kind: 256, x: 0, y: 0, rangeM: 10 },
      { kind: -1, x: 0, y: 0, rangeM: 10 },
      { kind: 1.5, x: 0, y: 0, rangeM: 10 },
      { kind: 1, x: Number.NaN, y: 0, rangeM: 10 },
      { kind: 1, x: 0, y: Infinity, rangeM: 10 },
      { kind: 1, x: 0, y: 0, rangeM: -1 },
      { kind: 1, x: 0, y: 0, rangeM: Number.NaN },
      { kind: 1, x: 0, y: 0, rangeM: 10, payload: new Uint8Array(256) },
      { kind: 1, x: 1e9, y: 0, rangeM: 10 },
    ];
    for (const e of bad) expect(() => tag.server.emit(e), JSON.stringify(e)).toThrow(InvalidArgumentError);
    // A game module without positions: only events for everyone.
    const blind = tagModule();
    const events = new DeclaredEvents(blind.store, undefined);
    expect(() => events.deliver({ kind: 1, x: 0, y: 0, rangeM: 10 }, 0, [])).toThrow(ConfigError);
    expect(events.deliver({ kind: 1, x: 0, y: 0, rangeM: Infinity }, 0, [])).toEqual({ sent: 0, dropped: 0, bytes: 0 });
    await new Promise((r) => setTimeout(r, 100));
    expect(clients.map((c) => c.stats.events)).toEqual(before);
  });

  it('drops a client\'s message on the event channel (counted), and an event its connection has no room for', async () => {
    const c = await join('udp');
    const drops = async () => Number(/chronos_declared_messages_dropped_total\{reason="wrong_channel"\} (\d+)/.exec(await (await fetch(`http://127.0.0.1:${tag.server.httpPort}/metrics`)).text())?.[1] ?? 0);
    const before = await drops();
    c.net.send(DECLARED_EVENT_CHANNEL, new Uint8Array([0xc9]));
    await until('the drop counted', async () => (await drops()) > before);
    // A connection whose event queue is full (a client that stopped acknowledging): the next is dropped, not held.
    let queued = 0;
    const full = { link: { state: 'connected', sendBorrowed: () => (queued++ < DECLARED_EVENT_QUEUE ? queued : -1) }, camera: { xM: 0, yM: 0 } } as unknown as DeclaredSession<Tag>;
    const events = new DeclaredEvents(tag.module.store, tag.module.positions);
    for (let i = 0; i < DECLARED_EVENT_QUEUE; i++) expect(events.deliver({ kind: 1, x: 0, y: 0, rangeM: 10 }, 0, [full])).toEqual({ sent: 1, dropped: 0, bytes: 24 });
    expect(events.deliver({ kind: 1, x: 0, y: 0, rangeM: 10 }, 0, [full])).toEqual({ sent: 0, dropped: 1, bytes: 0 });
  });
});
