// A network worker: one shard of the server's connections on a thread of its own (protocol in
// net-shard-protocol.ts). It binds its own UDP port, runs its own NetServer (handshakes, crypto,
// channels, acks, congestion control), and between ticks receives, opens and decodes whatever
// its clients send, handing each event and message to the main thread through its inbox ring.
// When the main thread bumps the flush generation after a tick, it takes what the tick queued
// for its clients from the outbox ring, seals and sends it (NetServer.update), and publishes each
// connection's budget and round trip for the next tick. It waits with Atomics.waitAsync, so its
// event loop keeps serving the socket while it waits.

import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { MessageRing } from '../core/message-ring.js';
import { NetServer } from '../net/server.js';
import type { Connection } from '../net/connection.js';
import type { ChannelConfig } from '../net/channel.js';
import { UdpTransport, SERVER_SOCKET_BUFFER_BYTES } from '../net/transport-udp.js';
import { RingTransport } from '../net/transport-ring.js';
import { performance } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { loadServerCrypto } from '../net/crypto-node.js';
import { MESSAGE_DROP_REASONS, PACKET_DROP_REASONS } from '../net/drops.js';
import { DisconnectReason, type SessionTier } from '../net/spec.js';
import {
  CTRL_DOORBELL, CTRL_FLUSH, CTRL_FLUSHED, CTRL_PENDING, CTRL_POLL, CTRL_POLLED, CTRL_STOP, CTRL_WORDS, TIMING_BUSY_MS, TIMING_PACKETS, KIND_CONNECT, KIND_DISCONNECT, KIND_INTERRUPT, KIND_KICK, KIND_MESSAGE, KIND_SEND,
  STATS_WORDS, STAT_BUDGET, STAT_BYTES_IN, STAT_BYTES_OUT, STAT_TICKET, STAT_RTT, type NetWorkerCounters, type NetWorkerData, type NetWorkerMessage,
} from './net-shard-protocol.js';

/** Idle wake-up when no tick comes (timers: keep-alives, timeouts, resends), ms. */
const IDLE_UPDATE_MS = 50;
const COUNTERS_EVERY_MS = 1000;

interface PendingEvent {
  id: number;
  kind: number;
  arg: number;
  payload: Uint8Array | null;
}

export async function runNetWorker(data: NetWorkerData, post: (m: NetWorkerMessage) => void): Promise<void> {
  const inbox = new MessageRing(data.inbox);
  const outbox = new MessageRing(data.outbox);
  const ctrl = new Int32Array(data.control, 0, CTRL_WORDS);
  const stats = new Float64Array(data.stats);
  const timing = new Float64Array(data.timing);
  // Time spent busy for the server's clients (opening what they send, sealing what they get):
  // what the socketless bench adds up as the server's CPU per tick.
  const busy = <T>(work: () => T): T => {
    const started = performance.now();
    try {
      return work();
    } finally {
      timing[TIMING_BUSY_MS]! += performance.now() - started;
    }
  };
  const ids = new Map<Connection, number>();
  const byId: (Connection | undefined)[] = [];
  const free: number[] = [];
  for (let i = data.maxConnections - 1; i >= 0; i--) free.push(i);
  const pending: PendingEvent[] = [];

  // Lifecycle events must arrive, in order with the messages around them: queued here while
  // the inbox is full, retried before anything newer is written.
  const lifecycle = (id: number, kind: number, arg: number, payload: Uint8Array | null) => {
    if (pending.length > 0 || !inbox.push(id, kind, 0, arg, payload)) pending.push({ id, kind, arg, payload: payload?.slice() ?? null });
    Atomics.store(ctrl, CTRL_PENDING, pending.length);
  };
  const retryPending = () => {
    while (pending.length > 0) {
      const e = pending[0]!;
      if (!inbox.push(e.id, e.kind, 0, e.arg, e.payload)) break;
      pending.shift();
    }
    Atomics.store(ctrl, CTRL_PENDING, pending.length);
  };

  const crypto = await loadServerCrypto();
  const writeTicket = (id: number, conn: Connection) => {
    const o = id * STATS_WORDS + STAT_TICKET;
    stats[o] = conn.ticketNonce0;
    stats[o + 1] = conn.ticketNonce1;
    stats[o + 2] = conn.ticketNonce2;
  };
  const server = new NetServer({
    crypto,
    secret: data.secret,
    channels: data.channels as unknown as readonly ChannelConfig[],
    maxConnections: data.maxConnections,
    maxSessionsPerIp: data.maxSessionsPerIp,
    handlers: {
      connect(conn, tier: SessionTier) {
        let id = ids.get(conn);
        if (id === undefined) {
          id = free.pop()!;
          ids.set(conn, id);
          byId[id] = conn;
        }
        // The ticket this (re)connection was just sent, before the main thread can be asked about it.
        writeTicket(id, conn);
        const info = new TextEncoder().encode(`        ${conn.transport?.name ?? 'udp'}\n${conn.host}`);
        new DataView(info.buffer).setFloat64(0, conn.clientId, true);
        lifecycle(id, KIND_CONNECT, tier, info);
      },
      interrupt(conn, reason) {
        const id = ids.get(conn);
        if (id !== undefined) lifecycle(id, KIND_INTERRUPT, reason, null);
      },
      disconnect(conn, reason) {
        const id = ids.get(conn);
        if (id === undefined) return;
        ids.delete(conn);
        byId[id] = undefined;
        free.push(id);
        lifecycle(id, KIND_DISCONNECT, reason, null);
      },
      message(conn, channel, bytes) {
        const id = ids.get(conn);
        if (id === undefined) return;
        if (pending.length > 0) retryPending();
        // A client message that does not fit is lost, counted by the ring (the main thread is
        // behind); the protocol above repeats what matters (inputs, acks).
        if (pending.length === 0) inbox.push(id, KIND_MESSAGE, channel, 0, bytes);
      },
    },
  });
  let ring: RingTransport | undefined;
  let port = 0;
  if (data.transport === 'ring') {
    ring = new RingTransport(data.packetsIn!, data.packetsOut!);
    server.listen(ring);
  } else {
    const udp = await UdpTransport.bind({ host: data.host, port: data.port });
    for (const set of [(n: number) => udp.socket.setRecvBufferSize(n), (n: number) => udp.socket.setSendBufferSize(n)]) {
      try {
        set(SERVER_SOCKET_BUFFER_BYTES);
      } catch {
        // The OS refused the size (a container's limits): the default buffer still works.
      }
    }
    // Every packet's opening and decoding counts as the worker's busy time.
    const receive = server.receive.bind(server);
    server.receive = (...args: Parameters<typeof server.receive>) => {
      timing[TIMING_PACKETS]!++;
      busy(() => receive(...args));
    };
    server.listen(udp);
    port = udp.port;
  }
  post({ type: 'ready', port });

  const flush = () => {
    retryPending();
    outbox.drain((r) => {
      const conn = byId[r.id];
      if (!conn) return;
      if (r.kind === KIND_SEND) conn.send(r.channel, r.payload);
      else if (r.kind === KIND_KICK) server.disconnect(conn, r.arg as DisconnectReason);
    });
    server.update();
    for (const [conn, id] of ids) {
      const o = id * STATS_WORDS;
      stats[o + STAT_BUDGET] = conn.budgetBytes();
      stats[o + STAT_RTT] = conn.rttMs;
      stats[o + STAT_BYTES_IN] = conn.bytesIn;
      stats[o + STAT_BYTES_OUT] = conn.bytesOut;
      writeTicket(id, conn);
    }
  };

  const counters = (): NetWorkerCounters => {
    const s = server.stats();
    return {
      connections: s.connections,
      parked: s.parked,
      packetsReceived: s.packetsReceived,
      packetsAccepted: s.packetsAccepted,
      bytesReceived: s.bytesReceived,
      packetsSent: s.packetsSent,
      bytesSent: s.bytesSent,
      handshakesCompleted: s.handshakesCompleted,
      inboxDropped: inbox.dropped,
      heapUsed: getHeapStatistics().used_heap_size,
      packetDrops: Object.fromEntries(PACKET_DROP_REASONS.map((r, i) => [r, server.drops.packets[i]!])),
      messageDrops: Object.fromEntries(MESSAGE_DROP_REASONS.map((r, i) => [r, server.drops.messages[i]!])),
    };
  };
  let lastCounters = 0;

  // Atomics.waitAsync's promise holds no reference on the event loop: without a socket (the
  // ring transport) the thread would simply end while it waits. This timer keeps it alive.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  let bell = Atomics.load(ctrl, CTRL_DOORBELL);
  let flushSeen = Atomics.load(ctrl, CTRL_FLUSH);
  let pollSeen = Atomics.load(ctrl, CTRL_POLL);
  for (;;) {
    const wait = Atomics.waitAsync(ctrl, CTRL_DOORBELL, bell, IDLE_UPDATE_MS);
    if (wait.async) await wait.value;
    bell = Atomics.load(ctrl, CTRL_DOORBELL);
    if (Atomics.load(ctrl, CTRL_STOP) !== 0) break;
    const polls = Atomics.load(ctrl, CTRL_POLL);
    const flushes = Atomics.load(ctrl, CTRL_FLUSH);
    if (polls !== pollSeen) {
      pollSeen = polls;
      if (ring) timing[TIMING_PACKETS]! += busy(() => ring.poll());
      Atomics.add(ctrl, CTRL_POLLED, 1);
      Atomics.notify(ctrl, CTRL_POLLED);
    }
    if (flushes !== flushSeen) {
      flushSeen = flushes;
      busy(flush);
      Atomics.add(ctrl, CTRL_FLUSHED, 1);
      Atomics.notify(ctrl, CTRL_FLUSHED);
    } else if (polls === pollSeen) {
      // No tick for a while (the server is stopping or stalled): keep the sessions' timers going.
      server.update();
      retryPending();
    }
    const now = Date.now();
    if (now - lastCounters >= COUNTERS_EVERY_MS) {
      lastCounters = now;
      post({ type: 'counters', counters: counters() });
    }
    // Yield to the event loop so received packets are handled between waits.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  clearInterval(keepAlive);
  post({ type: 'counters', counters: counters() });
  for (const conn of [...ids.keys()]) server.disconnect(conn, DisconnectReason.ServerClosed);
  server.update();
  await server.close();
}

if (!isMainThread && parentPort && (workerData as { chronosNetWorker?: boolean } | null)?.chronosNetWorker) {
  const port = parentPort;
  runNetWorker(workerData as NetWorkerData, (m) => port.postMessage(m)).then(
    () => process.exit(0),
    (err: unknown) => {
      port.postMessage({ type: 'fatal', message: String((err as Error)?.stack ?? err) } satisfies NetWorkerMessage);
      process.exit(1);
    },
  );
}
