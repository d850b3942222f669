// Two endpoints over the seeded in-memory network, driven in simulated time: the fixture most
// net tests share. `step` advances the network by one tick and updates both ends, so every run
// with the same seed sends, loses and delivers exactly the same packets.

import { NetClient, type NetClientHandlers } from '../../src/net/client.js';
import type { ChannelConfig } from '../../src/net/channel.js';
import type { NetCrypto } from '../../src/net/crypto.js';
import { seededCrypto } from '../../src/net/crypto.js';
import { createNativeCrypto } from '../../src/net/crypto-native.js';
import { loadLibsodiumCrypto } from '../../src/net/crypto-libsodium.js';
import { NetServer, type NetServerHandlers, type NetServerOptions } from '../../src/net/server.js';
import { MemoryNetwork, type MemoryTransport } from '../../src/net/transport-memory.js';
import type { NetworkProfile } from '../../src/net/simulator.js';
import type { Connection } from '../../src/net/connection.js';

export const UNIX_EPOCH_MS = 1_700_000_000_000;
export const SERVER_HOST = 'server';
export const SERVER_PORT = 7777;

export function nativeCrypto(seed?: number): NetCrypto {
  const base = createNativeCrypto();
  return seed === undefined ? base : seededCrypto(base, seed);
}

export async function wasmCrypto(seed?: number): Promise<NetCrypto> {
  const base = await loadLibsodiumCrypto();
  return seed === undefined ? base : seededCrypto(base, seed);
}

export interface PairOptions {
  seed?: number;
  profile?: NetworkProfile;
  channels?: readonly ChannelConfig[];
  crypto?: NetCrypto;
  clientCrypto?: NetCrypto;
  server?: Partial<NetServerOptions>;
  serverHandlers?: NetServerHandlers;
  clientHandlers?: NetClientHandlers;
  tickMs?: number;
}

export interface Pair {
  net: MemoryNetwork;
  server: NetServer;
  client: NetClient;
  serverTransport: MemoryTransport;
  /** Messages each side received, by channel. */
  atServer: { channel: number; bytes: Uint8Array }[];
  atClient: { channel: number; bytes: Uint8Array }[];
  serverConn(): Connection;
  token(clientId?: number): Uint8Array;
  connect(clientId?: number): void;
  /** Advances one tick: network, then server, then client. */
  step(): void;
  run(ms: number): void;
  /** Steps until `done()` or `maxMs` of simulated time; returns the simulated ms it took. */
  until(done: () => boolean, maxMs: number): number;
}

export function makePair(options: PairOptions = {}): Pair {
  const seed = options.seed ?? 1;
  const crypto = options.crypto ?? nativeCrypto(seed);
  const net = new MemoryNetwork({ seed, profile: options.profile });
  const tickMs = options.tickMs ?? 1000 / 60;
  const now = () => net.nowMs;
  const unixNow = () => UNIX_EPOCH_MS + net.nowMs;
  const secret = new Uint8Array(32).fill(7);
  const atServer: Pair['atServer'] = [];
  const atClient: Pair['atClient'] = [];
  const server = new NetServer({
    crypto,
    secret,
    channels: options.channels,
    now,
    unixNow,
    ...options.server,
    handlers: {
      message: (_c, channel, bytes) => atServer.push({ channel, bytes: bytes.slice() }),
      ...options.serverHandlers,
    },
  });
  const serverTransport = net.bind(SERVER_HOST, SERVER_PORT);
  server.listen(serverTransport);
  const client = new NetClient({
    crypto: options.clientCrypto ?? crypto,
    channels: options.channels,
    now,
    unixNow,
    handlers: {
      message: (channel, bytes) => atClient.push({ channel, bytes: bytes.slice() }),
      ...options.clientHandlers,
    },
  });
  const token = (clientId = 1) => server.issuer.issue({ clientId, serverAddresses: [`memory://${SERVER_HOST}:${SERVER_PORT}`], nowUnixMs: unixNow(), expiresInS: 3600 });
  const pair: Pair = {
    net,
    server,
    client,
    serverTransport,
    atServer,
    atClient,
    serverConn() {
      const c = server.connections[0];
      if (!c) throw new Error('the server has no connection');
      return c;
    },
    token,
    connect(clientId = 1) {
      client.connect(token(clientId), net.bind('client'), SERVER_HOST, SERVER_PORT);
    },
    step() {
      net.advance(tickMs);
      server.update();
      client.update();
    },
    run(ms) {
      const end = net.nowMs + ms;
      while (net.nowMs < end) pair.step();
    },
    until(done, maxMs) {
      const start = net.nowMs;
      while (!done()) {
        if (net.nowMs - start > maxMs) throw new Error(`condition not met within ${maxMs} ms of simulated time`);
        pair.step();
      }
      return net.nowMs - start;
    },
  };
  return pair;
}
