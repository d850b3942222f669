// What a connected peer can make the server hold. A reliable-ordered channel used to store
// every out-of-order message up to 255 ids ahead, whole and without expiry, unchecked (about
// 64 MiB per channel at full size), and every channel accepted 256 KiB messages from clients.
// Now each connection has one receive cap across its channels (out-of-order reliable messages,
// reassembly of anything but the next in-order message, unreliable fragment groups): a packet
// whose reliable blocks would pass it is refused unacked (the honest sender resends it later),
// and each channel has its own limit per direction. HOSTILE_CONNECTIONS sets how many hostile
// connections the memory test runs (npm test: 20; npm run soak:net: more).

import { describe, expect, it } from 'vitest';
import { NetClient } from '../../src/net/client.js';
import type { ChannelConfig } from '../../src/net/channel.js';
import { DEFAULT_RECEIVE_BUFFER_BYTES } from '../../src/net/channel-set.js';
import { MAX_UNFRAGMENTED_BYTES } from '../../src/net/spec.js';
import { PLAY_CHANNELS, roomChannels } from '../../src/client/play-channels.js';
import { makePair, nativeCrypto, SERVER_HOST, SERVER_PORT, UNIX_EPOCH_MS, type Pair, type PairOptions } from './harness.js';
import { settledHeap } from '../helpers/allocation.js';
import { floodPackets, ForgingPeer, messageBlock } from './hostile.js';

const CONNECTIONS = Number(process.env.HOSTILE_CONNECTIONS ?? 20);
const GENERIC: ChannelConfig[] = [
  { kind: 'reliable-ordered', priority: 'critical' },
  { kind: 'unreliable-sequenced', priority: 'high' },
  { kind: 'unreliable', priority: 'medium' },
  { kind: 'reliable-unordered', priority: 'medium' },
];

function connected(p: Pair, id = 1): void {
  p.connect(id);
  p.until(() => p.client.state === 'connected' && p.server.connections[0]?.accepted === true, 2000);
}

/** A pair whose server keeps nothing of what it delivers (the harness would record it). */
function quietPair(crypto: ReturnType<typeof nativeCrypto>, channels: readonly ChannelConfig[], server: PairOptions['server'] = {}): Pair {
  return makePair({ crypto, channels, server, serverHandlers: { message: () => undefined } });
}

/** The out-of-order flood of one connection's channel 0, returning the server connection. */
function floodChannel0(p: Pair, crypto: ReturnType<typeof nativeCrypto>): void {
  connected(p);
  const conn = p.serverConn();
  const forger = new ForgingPeer(crypto, p.client.connection);
  const body = new Uint8Array(MAX_UNFRAGMENTED_BYTES).fill(1);
  for (let id = 1; id < 256; id++) p.server.receive(p.serverTransport, forger.packet([messageBlock(0, id, body)]), conn.host, conn.port, null);
}

describe('an out-of-order reliable flood', () => {
  it('is held only up to the connection receive cap; the rest is refused unacked', async () => {
    const crypto = nativeCrypto(3);
    floodChannel0(quietPair(crypto, GENERIC), crypto); // warm-up: compiled code is not what a connection pins
    const p = quietPair(crypto, GENERIC);
    connected(p);
    const conn = p.serverConn();
    const body = new Uint8Array(MAX_UNFRAGMENTED_BYTES);
    // The message bytes live in array buffers (exact); the JS heap of one connection is too noisy
    // to read alone (the many-connection test below reads it).
    const before = await settledHeap('arrayBuffers');
    const forger = new ForgingPeer(crypto, p.client.connection);
    for (let id = 1; id < 256; id++) p.server.receive(p.serverTransport, forger.packet([messageBlock(0, id, body)]), conn.host, conn.port, null);
    const pinned = (await settledHeap('arrayBuffers')) - before;
    console.log(`out-of-order flood: 255 x ${body.length} B sent; held ${conn.stats().receiveBufferedBytes} B, array buffers +${pinned} B`);
    expect(conn.stats().receiveBufferedBytes).toBeLessThanOrEqual(DEFAULT_RECEIVE_BUFFER_BYTES);
    expect(pinned).toBeLessThanOrEqual(DEFAULT_RECEIVE_BUFFER_BYTES);
    expect(p.server.drops.packetsByReason().receive_buffer_full).toBeGreaterThan(0);
  });

  it('does not stop an honest sender: refused packets come again and everything arrives in order', () => {
    const p = makePair({ channels: GENERIC, server: { maxReceiveBufferBytes: 8 * 1024 } });
    connected(p);
    // Lose the first packet of a burst so everything behind it arrives out of order.
    const original = p.net.transmit.bind(p.net);
    let dropped = false;
    p.net.transmit = (from, bytes, host, port) => {
      if (!dropped && from.host === 'client' && bytes.length > 600) {
        dropped = true;
        return;
      }
      original(from, bytes, host, port);
    };
    const sent = Array.from({ length: 100 }, (_, i) => new Uint8Array(600).fill(i));
    for (const m of sent) p.client.send(0, m);
    p.until(() => p.atServer.length === sent.length, 30_000);
    expect(p.atServer.map((m) => m.bytes[0])).toEqual(sent.map((_, i) => i));
    expect(p.server.drops.packetsByReason().receive_buffer_full).toBeGreaterThan(0);
  });
});

describe('per-channel limits per direction', () => {
  it('refuse a client message over the client-to-server limit, and the client will not send one', () => {
    const crypto = nativeCrypto(4);
    const channels: ChannelConfig[] = [{ kind: 'reliable-ordered', maxClientMessageBytes: 16 }];
    const p = makePair({ crypto, channels });
    connected(p);
    const conn = p.serverConn();
    const forger = new ForgingPeer(crypto, p.client.connection);
    p.server.receive(p.serverTransport, forger.packet([messageBlock(0, 0, new Uint8Array(17))]), conn.host, conn.port, null);
    expect(p.server.drops.packetsByReason().too_large).toBe(1);
    expect(p.atServer.length).toBe(0);
    expect(() => p.client.send(0, new Uint8Array(17))).toThrow(/17 bytes exceeds channel 0's client-to-server limit of 16/);
    // The server still sends large messages the other way.
    conn.send(0, new Uint8Array(100_000));
    p.until(() => p.atClient.length === 1, 5000);
  });

  it('are tight for a room: every client-to-server message of its session fits, nothing larger', () => {
    const limits = PLAY_CHANNELS.map((c) => c.maxClientMessageBytes);
    // PLAY 4 / RESYNC 16; INPUT 12 + 8 x 32; nothing on the events' channel.
    expect(limits).toEqual([16, 268, 1]);
  });

  it('follow the game\'s input record: a room whose inputs take 20 bytes on the wire takes INPUT of 32 of them, and no more', () => {
    expect(roomChannels(20).map((c) => c.maxClientMessageBytes)).toEqual([16, 12 + 20 * 32, 1]);
    expect(roomChannels(20)).toBe(roomChannels(20)); // one set per size, shared
    for (const bad of [0, -1, 1.5, Number.NaN, 1025]) expect(() => roomChannels(bad)).toThrow(RangeError);
  });
});

describe(`${CONNECTIONS} hostile connections flooding every receive buffer`, () => {
  for (const [name, channels] of [['the room channels', PLAY_CHANNELS], ['generic 256 KiB channels', GENERIC]] as const) {
    it(`each pin a bounded amount of server memory (${name})`, async () => {
      const crypto = nativeCrypto(8);
      const limits = { maxConnections: CONNECTIONS + 1, handshakesPerIpPerSec: 1e6, connectionPacketsPerSec: 1e6, connectionBytesPerSec: 1e9 };
      const p = quietPair(crypto, channels, limits);
      // Warm-up on another server: the code paths compile once, not per connection.
      const w = quietPair(crypto, channels, limits);
      connected(w);
      const wc = w.serverConn();
      for (const packet of floodPackets(new ForgingPeer(crypto, w.client.connection), channels)) w.server.receive(w.serverTransport, packet, wc.host, wc.port, null);
      const base = await settledHeap();
      const hostile: { host: string; port: number; packets: Uint8Array[] }[] = [];
      for (let i = 0; i < CONNECTIONS; i++) {
        const c = new NetClient({ crypto, channels, now: () => p.net.nowMs, unixNow: () => UNIX_EPOCH_MS + p.net.nowMs });
        const t = p.net.bind(`hostile-${i}`);
        c.connect(p.token(100 + i), t, SERVER_HOST, SERVER_PORT);
        p.until(() => (p.step(), c.update(), c.state === 'connected'), 2000);
        hostile.push({ host: t.host, port: t.port, packets: floodPackets(new ForgingPeer(crypto, c.connection), channels) });
        void t.close(); // the client object can go: the forged packets carry everything needed
      }
      for (const h of hostile) for (const packet of h.packets) p.server.receive(p.serverTransport, packet, h.host, h.port, null);
      const flooded = hostile.reduce((n, h) => n + h.packets.reduce((m, b) => m + b.length, 0), 0);
      hostile.length = 0; // the clients and their packets go; what the server holds stays
      const perConnection = ((await settledHeap()) - base) / CONNECTIONS;
      const held = Math.max(...p.server.connections.map((c) => c.stats().receiveBufferedBytes));
      const bound = p.server.connections[0]!.receiveBound;
      console.log(`${name}: ${CONNECTIONS} hostile connections sent ${(flooded / CONNECTIONS / 1024).toFixed(0)} KiB each; the server holds ${(perConnection / 1024).toFixed(1)} KiB per connection (receive buffers at most ${held} B; stated bound ${bound} B + structures)`);
      expect(held).toBeLessThanOrEqual(bound);
      // The goal for the demo: at most 256 KiB per hostile connection, all included.
      if (channels === PLAY_CHANNELS) expect(perConnection).toBeLessThanOrEqual(256 * 1024);
      // Receive buffers at their bound plus the connection's own structures (about 20 KB idle,
      // 30 KB busy) and what a heap reading of a few connections cannot resolve.
      expect(perConnection).toBeLessThanOrEqual(bound + 96 * 1024);
    });
  }
});
