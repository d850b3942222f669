// Connection lifecycle over the simulator: keep-alives, timeouts, disconnect reasons, the
// seed's reconnect tiers (resume under 5 s with nothing lost, resync at 5-30 s, a new session
// after 30 s), key rotation with no gap in traffic, rate limits, contained handler errors, and
// every per-client structure released when a session ends.

import { describe, expect, it } from 'vitest';
import { makePair, SERVER_HOST, SERVER_PORT, type Pair } from './harness.js';
import { profile } from '../../src/net/simulator.js';
import { DisconnectReason, SessionTier } from '../../src/net/spec.js';
import type { Connection } from '../../src/net/connection.js';
import type { MemoryTransport } from '../../src/net/transport-memory.js';

interface Events {
  server: string[];
  client: string[];
  tiers: SessionTier[];
  conns: Connection[];
}

function tracked(options: Parameters<typeof makePair>[0] = {}): { p: Pair; ev: Events } {
  const ev: Events = { server: [], client: [], tiers: [], conns: [] };
  const p = makePair({
    ...options,
    serverHandlers: {
      connect: (c, tier) => {
        ev.tiers.push(tier);
        ev.conns.push(c);
        ev.server.push(`connect:${SessionTier[tier]}`);
      },
      interrupt: (_c, r) => ev.server.push(`interrupt:${DisconnectReason[r]}`),
      disconnect: (_c, r) => ev.server.push(`disconnect:${DisconnectReason[r]}`),
      ...options.serverHandlers,
    },
    clientHandlers: {
      connect: (tier) => ev.client.push(`connect:${SessionTier[tier]}`),
      interrupt: (r) => ev.client.push(`interrupt:${DisconnectReason[r]}`),
      disconnect: (r) => ev.client.push(`disconnect:${DisconnectReason[r]}`),
      ...options.clientHandlers,
    },
  });
  return { p, ev };
}

function connect(p: Pair): void {
  p.connect();
  p.until(() => p.client.state === 'connected' && p.server.connections[0]?.accepted === true, 5000);
}

function currentTransport(p: Pair): MemoryTransport {
  return (p.client as unknown as { transport: MemoryTransport }).transport;
}

function reconnect(p: Pair): void {
  p.client.connect(p.token(1), p.net.bind('client'), SERVER_HOST, SERVER_PORT);
}

const texts = (list: { bytes: Uint8Array }[]) => list.map((m) => new TextDecoder().decode(m.bytes));
const enc = (s: string) => new TextEncoder().encode(s);

describe('an idle connection', () => {
  it('stays up on keep-alives, about ten packets a second each way', () => {
    const { p, ev } = tracked();
    connect(p);
    const before = p.serverConn().packetsOut;
    p.run(60_000);
    expect(p.client.state).toBe('connected');
    const rate = (p.serverConn().packetsOut - before) / 60;
    expect(rate).toBeGreaterThan(8);
    expect(rate).toBeLessThan(12);
    expect(ev.server).toEqual(['connect:New']);
  });

  it('times out after 10 s without packets on both ends, and the parked session expires at 30 s', () => {
    const { p, ev } = tracked();
    connect(p);
    p.net.setProfile(profile('lan', { loss: 1 }));
    p.run(9_000);
    expect(ev.server).toEqual(['connect:New']);
    p.run(2_000);
    expect(ev.server).toEqual(['connect:New', 'interrupt:Timeout']);
    expect(ev.client).toEqual(['connect:New', 'interrupt:Timeout']);
    expect(p.server.connections[0]!.state).toBe('parked');
    p.run(20_000);
    expect(ev.server).toEqual(['connect:New', 'interrupt:Timeout', 'disconnect:SessionExpired']);
    expect(p.server.connections.length).toBe(0);
  });
});

describe('disconnects', () => {
  it('from the client end the server session at once with ClientClosed', () => {
    const { p, ev } = tracked();
    connect(p);
    p.client.disconnect();
    p.step();
    expect(ev.server).toEqual(['connect:New', 'disconnect:ClientClosed']);
    expect(ev.client).toEqual(['connect:New', 'disconnect:ClientClosed']);
    expect(p.server.connections.length).toBe(0);
  });

  it('from the server reach the client with their reason', () => {
    const { p, ev } = tracked();
    connect(p);
    p.server.disconnect(p.serverConn(), DisconnectReason.Kicked);
    p.step();
    expect(ev.client).toEqual(['connect:New', 'disconnect:Kicked']);
    expect(ev.server).toEqual(['connect:New', 'disconnect:Kicked']);
  });

  it('free the connection id for the next client', () => {
    const { p } = tracked();
    connect(p);
    const first = p.serverConn().id;
    p.client.disconnect();
    p.step();
    connect(p);
    expect(p.serverConn().id).toBe(first);
    expect(p.server.connections.length).toBe(1);
  });
});

describe('reconnecting with a token for the same client', () => {
  it('within 5 s resumes the same session with every reliable message delivered once, in order', () => {
    const { p, ev } = tracked({ profile: profile('lan', { latencyMs: 20 }) });
    connect(p);
    const serverConn = p.serverConn();
    for (let i = 0; i < 5; i++) {
      p.client.send(0, enc(`c${i}`));
      serverConn.send(0, enc(`s${i}`));
    }
    p.step();
    // The link drops (a WebSocket closing, a NAT rebinding) with messages in flight.
    p.client.linkClosed(currentTransport(p));
    for (let i = 5; i < 10; i++) {
      p.client.send(0, enc(`c${i}`));
      serverConn.send(0, enc(`s${i}`));
    }
    p.run(2000);
    reconnect(p);
    p.until(() => p.atServer.length >= 10 && p.atClient.length >= 10, 5000);
    p.run(500);
    expect(ev.tiers).toEqual([SessionTier.New, SessionTier.Resume]);
    expect(ev.conns[1]).toBe(serverConn);
    expect(texts(p.atServer)).toEqual(Array.from({ length: 10 }, (_, i) => `c${i}`));
    expect(texts(p.atClient)).toEqual(Array.from({ length: 10 }, (_, i) => `s${i}`));
    expect(ev.client).toEqual(['connect:New', 'interrupt:TransportClosed', 'connect:Resume']);
  });

  it('after 5 to 30 s resyncs: same session, channels reset, new messages flow', () => {
    const { p, ev } = tracked();
    connect(p);
    const serverConn = p.serverConn();
    p.net.setProfile(profile('lan', { loss: 1 }));
    serverConn.send(0, enc('lost-in-the-outage'));
    p.run(12_000);
    p.net.setProfile(profile('lan'));
    reconnect(p);
    p.until(() => p.client.state === 'connected' && serverConn.accepted, 3000);
    serverConn.send(0, enc('fresh'));
    p.client.send(0, enc('hello-again'));
    p.run(300);
    expect(ev.tiers).toEqual([SessionTier.New, SessionTier.Resync]);
    expect(ev.conns[1]).toBe(serverConn);
    expect(texts(p.atClient)).toEqual(['fresh']);
    expect(texts(p.atServer)).toEqual(['hello-again']);
    expect(ev.client.at(-1)).toBe('connect:Resync');
  });

  it('after 30 s starts a new session on a new connection object', () => {
    const { p, ev } = tracked();
    connect(p);
    const first = p.serverConn();
    p.net.setProfile(profile('lan', { loss: 1 }));
    p.run(35_000);
    p.net.setProfile(profile('lan'));
    reconnect(p);
    p.until(() => p.client.state === 'connected', 3000);
    expect(ev.server).toEqual(['connect:New', 'interrupt:Timeout', 'disconnect:SessionExpired', 'connect:New']);
    expect(ev.conns[1]).not.toBe(first);
    expect(p.client.lastTier).toBe(SessionTier.New);
  });
});

describe('key rotation', () => {
  it('rotates keys in both directions with no packet refused and no message lost', () => {
    const p = makePair({ profile: profile('4g', { loss: 0 }), server: { rekeyIntervalMs: 1000 }, channels: [{ kind: 'reliable-ordered' }, { kind: 'unreliable' }] });
    connect(p);
    const sent: string[] = [];
    for (let t = 0; t < 600; t++) {
      const m = `m${t}`;
      p.client.send(0, enc(m));
      p.serverConn().send(0, enc(m));
      sent.push(m);
      p.step();
    }
    p.run(2000);
    expect(texts(p.atServer)).toEqual(sent);
    expect(texts(p.atClient)).toEqual(sent);
    expect(p.serverConn().keys.rekeys).toBeGreaterThanOrEqual(8);
    expect(p.client.connection.keys.rekeys).toBe(p.serverConn().keys.rekeys);
    for (const drops of [p.server.drops.packetsByReason(), p.client.drops.packetsByReason()]) {
      expect(drops.decrypt_failed).toBe(0);
      expect(drops.key_phase).toBe(0);
    }
  });
});

describe('limits', () => {
  it('drop packets beyond the per-connection rate as rate_limited', () => {
    const p = makePair({ server: { connectionPacketsPerSec: 100 } });
    connect(p);
    for (let i = 0; i < 1000; i++) {
      p.client.send(1, new Uint8Array(10));
      p.client.flush();
    }
    p.run(200);
    expect(p.server.drops.packetsByReason().rate_limited).toBeGreaterThan(500);
    expect(p.client.state).toBe('connected');
  });

  it('contain a handler that throws: counted, reported, and the connection carries on', () => {
    const errors: unknown[] = [];
    const p = makePair({
      serverHandlers: {
        message: () => {
          throw new Error('game bug');
        },
        error: (e) => errors.push(e),
      },
    });
    connect(p);
    p.client.send(0, enc('a'));
    p.client.send(0, enc('b'));
    p.run(200);
    expect(errors.length).toBe(2);
    expect(p.server.handlerErrors).toBe(2);
    expect(p.serverConn().state).toBe('connected');
  });
});
