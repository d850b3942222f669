// Suite `net`: the network layer against its peers.
//   seal-1200, open-1200  ChaCha20-Poly1305 IETF of a full 1200-byte packet (1168 B payload,
//                         24 B associated data): chronos (the server's path: sodium-native's raw
//                         binding through the NetCrypto interface) against sodium-native's public
//                         API, libsodium-wrappers and node:crypto (a cipher object per call).
//   stack-pps             packets per second through the whole stack over UDP loopback, sender
//                         on this thread, receiver (NetServer, or a raw socket) in a worker: one
//                         core each. chronos (137-byte DATA packets carrying a 100-byte message:
//                         seal, send, receive, open, replay check, deliver) against raw
//                         node:dgram send/receive of 137-byte datagrams (impl `dgram`). Metrics:
//                         packets_per_sec, busy CPU per packet on each end.
//   stack-rtt             one message there and back over UDP loopback, both ends on this thread,
//                         the server echoing at once (NetServer.flush): chronos against a raw
//                         dgram echo, one message in flight (the task is async and awaits the
//                         echo); metrics: latency the stack adds per direction, median and p99,
//                         and a calibration: the same with the echo held 200 us longer, which
//                         must measure ~200 us more (check_measured_added_us).
//   stack-cpu             the same 137-byte packet through both endpoints with no socket at all
//                         (send, flush, seal | receive, open, replay, deliver, and the acks
//                         back): the protocol's own CPU per packet, one core for both ends.
//   reliable-5pct         bursts of 1,000 messages of 100 B through a reliable-ordered channel at
//                         5% loss over the simulated network (10 ms latency, 2 ms jitter), each
//                         until delivered or 10 simulated seconds passed; timed: the CPU of both
//                         ends. Metrics: messages per SIMULATED second and the delivered ratio,
//                         both as counted by the receiver (numbered messages, in order, once).
//   handshake             one complete connect (token, REQUEST, CHALLENGE, RESPONSE, X25519,
//                         ACCEPT) over the in-memory network; metrics: header bytes per packet,
//                         server memory per connection.

import { createCipheriv, createDecipheriv } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { createRequire } from 'node:module';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Worker } from 'node:worker_threads';
import sodiumWrappers from 'libsodium-wrappers';
import type { ChannelConfig } from '../src/net/channel.js';
import { NetClient } from '../src/net/client.js';
import { TokenIssuer } from '../src/net/connect-token.js';
import { createNativeCrypto } from '../src/net/crypto-native.js';
import { NetServer } from '../src/net/server.js';
import { profile } from '../src/net/simulator.js';
import { DATA_OVERHEAD_BYTES, MESSAGE_BLOCK_HEADER_BYTES } from '../src/net/spec.js';
import { MemoryNetwork } from '../src/net/transport-memory.js';
import type { PacketReceiver, Transport } from '../src/net/transport.js';
import { SERVER_SOCKET_BUFFER_BYTES, UdpTransport } from '../src/net/transport-udp.js';
import { consume, measure, type CaseResult, type Suite, type SuiteContext } from './harness.js';
import type { ReceiverRequest } from './net-receiver.js';

const SUITE = 'net';
const PAYLOAD_BYTES = 1168;
const AD_BYTES = 24;
const MESSAGE_BYTES = 100;
const WIRE_BYTES = DATA_OVERHEAD_BYTES + MESSAGE_BLOCK_HEADER_BYTES + MESSAGE_BYTES;
/** Packets per measured call of stack-pps: enough to amortise the wait, few enough for the
 * kernel's receive buffer to hold a whole batch if the receiver stalls. */
const BATCH = 256;
const RELIABLE_MESSAGES = 1000;
/** Simulated time a reliable-5pct burst may take before what is still missing counts as lost. */
const RELIABLE_DEADLINE_MS = 10_000;
/** The known delay the calibration runs of stack-rtt add at the echoing end. */
const RTT_CHECK_DELAY_US = 200;
const MEMORY_CONNECTIONS = 1000;
/** An input-style channel: unreliable, critical (never held back by the congestion budget). */
const BENCH_CHANNELS: ChannelConfig[] = [{ kind: 'unreliable', priority: 'critical' }];

const require = createRequire(import.meta.url);

interface SodiumPublic {
  crypto_aead_chacha20poly1305_ietf_encrypt(c: Uint8Array, m: Uint8Array, ad: Uint8Array, nsec: null, npub: Uint8Array, k: Uint8Array): number;
  crypto_aead_chacha20poly1305_ietf_decrypt(m: Uint8Array, nsec: null, c: Uint8Array, ad: Uint8Array, npub: Uint8Array, k: Uint8Array): number;
}

function startReceiver(impl: 'chronos' | 'dgram', echo: boolean, secret: Uint8Array): { worker: Worker; ask: <T>(m: ReceiverRequest) => Promise<T>; ready: Promise<number> } {
  const entry = new URL('./net-receiver.ts', import.meta.url).href;
  // The worker registers tsx itself, then loads the TypeScript receiver.
  const code = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`;
  const worker = new Worker(code, { eval: true, workerData: { impl, echo, secret, channels: BENCH_CHANNELS } });
  const ready = new Promise<number>((resolve, reject) => {
    worker.once('message', (m: { port: number }) => resolve(m.port));
    worker.once('error', reject);
  });
  const ask = <T>(m: ReceiverRequest) =>
    new Promise<T>((resolve) => {
      worker.once('message', (reply: T) => resolve(reply));
      worker.postMessage(m);
    });
  return { worker, ask, ready };
}

async function stop(worker: Worker, ask: <T>(m: ReceiverRequest) => Promise<T>): Promise<void> {
  await ask({ stop: true });
  await worker.terminate();
}

/** A NetClient connected over UDP to the NetServer in the worker; its update runs on a timer. */
async function udpClient(port: number, secret: Uint8Array, onMessage?: () => void): Promise<{ client: NetClient; close: () => Promise<void> }> {
  const crypto = createNativeCrypto();
  const client = new NetClient({ crypto, channels: BENCH_CHANNELS, handlers: { message: onMessage } });
  const transport = await UdpTransport.bind({ host: '127.0.0.1', port: 0, socketBufferBytes: SERVER_SOCKET_BUFFER_BYTES, connect: { host: '127.0.0.1', port } });
  const token = new TokenIssuer(crypto, secret).issue({ clientId: 1, serverAddresses: [`udp://127.0.0.1:${port}`] });
  client.connect(token, transport, '127.0.0.1', port);
  const timer = setInterval(() => client.update(), 5);
  for (let i = 0; i < 400 && client.state !== 'connected'; i++) await new Promise((r) => setTimeout(r, 10));
  if (client.state !== 'connected') throw new Error(`bench client did not connect (state ${client.state})`);
  return {
    client,
    close: async () => {
      clearInterval(timer);
      client.disconnect();
      await new Promise((r) => setTimeout(r, 20));
    },
  };
}

function busyMs(before: EventLoopUtilization, after: EventLoopUtilization): number {
  return after.active - before.active;
}

async function cryptoCases(ctx: SuiteContext): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  await sodiumWrappers.ready;
  const chronos = createNativeCrypto();
  const sodium = require('sodium-native') as SodiumPublic;
  const key = new Uint8Array(32).fill(7);
  const nonce = new Uint8Array(12).fill(3);
  const ad = new Uint8Array(AD_BYTES).fill(5);
  const plain = new Uint8Array(PAYLOAD_BYTES).map((_, i) => i & 0xff);
  const sealed = new Uint8Array(PAYLOAD_BYTES + 16);
  const opened = new Uint8Array(PAYLOAD_BYTES);
  const metrics = { payload_bytes: PAYLOAD_BYTES, wire_bytes: 1200 };
  const nodeSeal = () => {
    const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
    c.setAAD(ad, { plaintextLength: plain.length });
    const out = c.update(plain);
    c.final();
    return [out, c.getAuthTag()] as const;
  };
  results.push(await measure(ctx, SUITE, 'seal-1200', 'chronos', () => chronos.seal(sealed, plain, ad, nonce, key), { metrics }));
  results.push(await measure(ctx, SUITE, 'seal-1200', 'sodium-native', () => sodium.crypto_aead_chacha20poly1305_ietf_encrypt(sealed, plain, ad, null, nonce, key), { metrics }));
  results.push(await measure(ctx, SUITE, 'seal-1200', 'libsodium-wrappers', () => consume(sodiumWrappers.crypto_aead_chacha20poly1305_ietf_encrypt(plain, ad, null, nonce, key)), { metrics }));
  results.push(await measure(ctx, SUITE, 'seal-1200', 'node:crypto', () => consume(nodeSeal()), { metrics }));

  chronos.seal(sealed, plain, ad, nonce, key);
  const [nodeCipher, nodeTag] = nodeSeal();
  results.push(await measure(ctx, SUITE, 'open-1200', 'chronos', () => chronos.open(opened, sealed, ad, nonce, key), { metrics }));
  results.push(await measure(ctx, SUITE, 'open-1200', 'sodium-native', () => sodium.crypto_aead_chacha20poly1305_ietf_decrypt(opened, null, sealed, ad, nonce, key), { metrics }));
  results.push(await measure(ctx, SUITE, 'open-1200', 'libsodium-wrappers', () => consume(sodiumWrappers.crypto_aead_chacha20poly1305_ietf_decrypt(null, sealed, ad, nonce, key)), { metrics }));
  results.push(
    await measure(ctx, SUITE, 'open-1200', 'node:crypto', () => {
      const d = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
      d.setAAD(ad, { plaintextLength: nodeCipher.length });
      d.setAuthTag(nodeTag);
      consume(d.update(nodeCipher));
      d.final();
    }, { metrics }),
  );
  return results;
}

async function stackPps(ctx: SuiteContext, impl: 'chronos' | 'dgram', secret: Uint8Array): Promise<CaseResult> {
  const { worker, ask, ready } = startReceiver(impl, false, secret);
  const port = await ready;
  let send: () => void;
  let close: () => Promise<void>;
  if (impl === 'chronos') {
    const c = await udpClient(port, secret);
    const message = new Uint8Array(MESSAGE_BYTES).fill(1);
    const client = c.client;
    send = () => {
      for (let i = 0; i < BATCH; i++) {
        client.send(0, message);
        client.flush();
      }
    };
    close = c.close;
  } else {
    // Its fastest honest use: a connected socket and one buffer sent again and again.
    const socket = createSocket({ type: 'udp4', sendBufferSize: SERVER_SOCKET_BUFFER_BYTES });
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
    await new Promise<void>((r) => socket.connect(port, '127.0.0.1', r));
    const datagram = Buffer.alloc(WIRE_BYTES, 1);
    send = () => {
      for (let i = 0; i < BATCH; i++) socket.send(datagram);
    };
    close = () => new Promise((r) => socket.close(() => r()));
  }
  let expected = 0;
  let lost = 0;
  const batch = async () => {
    send();
    expected += BATCH;
    const reply = await ask<{ received: number }>({ waitFor: expected, timeoutMs: 250 });
    if (reply.received < expected) {
      lost += expected - reply.received;
      expected = reply.received;
    }
  };
  for (let i = 0; i < 20; i++) await batch();
  const senderBefore = performance.eventLoopUtilization();
  const receiverBefore = (await ask<{ elu: EventLoopUtilization }>({ elu: true })).elu;
  const sentBefore = expected + lost;
  const row = await measure(ctx, SUITE, 'stack-pps', impl, batch, { perOp: { count: BATCH, unit: 'packet' } });
  const packets = expected + lost - sentBefore;
  const senderMs = busyMs(senderBefore, performance.eventLoopUtilization());
  const receiverMs = busyMs(receiverBefore, (await ask<{ elu: EventLoopUtilization }>({ elu: true })).elu);
  row.metrics.packets_per_sec = Math.round((BATCH * 1e9) / row.median_ns);
  row.metrics.wire_bytes = WIRE_BYTES;
  row.metrics.sender_cpu_us_per_packet = (senderMs * 1000) / packets;
  row.metrics.receiver_cpu_us_per_packet = (receiverMs * 1000) / packets;
  // Both ends on one core: what a single core could push through send and receive together.
  row.metrics.one_core_packets_per_sec = Math.round(1e6 / (row.metrics.sender_cpu_us_per_packet + row.metrics.receiver_cpu_us_per_packet));
  row.metrics.lost_packets = lost;
  await close();
  await stop(worker, ask);
  return row;
}

/** Busy-waits `us` microseconds: a known delay the echo adds, to check what stack-rtt measures. */
function spin(us: number): void {
  if (us <= 0) return;
  const until = performance.now() + us / 1000;
  while (performance.now() < until);
}

/**
 * One round trip per call: the message goes out, the echo comes back, the promise resolves. The
 * task is an async function (see measure), so exactly one message is in flight per sample.
 * `echoDelayUs` makes the echoing end wait that long before answering (the calibration runs).
 */
async function stackRtt(ctx: SuiteContext, impl: 'chronos' | 'dgram', secret: Uint8Array, echoDelayUs = 0, caseName = 'stack-rtt'): Promise<CaseResult> {
  // Both ends on this thread: the round trip is then the stack plus the kernel, not two threads'
  // scheduling.
  let arrived: () => void = () => undefined;
  let send: () => void;
  let close: () => Promise<void>;
  let echoes = 0;
  if (impl === 'chronos') {
    const crypto = createNativeCrypto();
    const server: NetServer = new NetServer({
      crypto,
      secret,
      channels: BENCH_CHANNELS,
      connectionPacketsPerSec: 1e9,
      connectionBytesPerSec: 1e12,
      handlers: {
        message: (conn, channel, bytes) => {
          spin(echoDelayUs);
          conn.send(channel, bytes);
          server.flush(conn);
          echoes++;
        },
      },
    });
    const udp = await UdpTransport.bind({ host: '127.0.0.1', port: 0 });
    server.listen(udp);
    const timer = setInterval(() => server.update(), 16);
    const c = await udpClient(udp.port, secret, () => arrived());
    const message = new Uint8Array(MESSAGE_BYTES).fill(2);
    send = () => {
      c.client.send(0, message);
      c.client.flush();
    };
    close = async () => {
      await c.close();
      clearInterval(timer);
      await server.close();
    };
  } else {
    const echo = createSocket('udp4');
    await new Promise<void>((r) => echo.bind(0, '127.0.0.1', r));
    echo.on('message', (msg, rinfo) => {
      spin(echoDelayUs);
      echo.send(msg, rinfo.port, rinfo.address);
      echoes++;
    });
    const socket = createSocket('udp4');
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
    socket.on('message', () => arrived());
    const port = echo.address().port;
    await new Promise<void>((r) => socket.connect(port, '127.0.0.1', r));
    const datagram = Buffer.alloc(WIRE_BYTES, 2);
    send = () => socket.send(datagram);
    close = async () => {
      await new Promise<void>((r) => socket.close(() => r()));
      await new Promise<void>((r) => echo.close(() => r()));
    };
  }
  let trips = 0;
  const roundTrip = async (): Promise<void> => {
    await new Promise<void>((resolve) => {
      arrived = resolve;
      send();
    });
    trips++;
  };
  for (let i = 0; i < 500; i++) await roundTrip();
  const row = await measure(ctx, SUITE, caseName, impl, roundTrip, { metrics: { wire_bytes: WIRE_BYTES } });
  // Every echo answered exactly one message of this loop: nothing was left in flight.
  if (echoes !== trips) throw new Error(`${caseName}/${impl}: ${echoes} echoes for ${trips} round trips`);
  await close();
  return row;
}

/** A socketless link: each side's sends wait in a queue until `pump` hands them over. */
class LoopbackLink implements Transport {
  readonly name = 'memory' as const;
  peer: LoopbackLink | undefined;
  private receiver: PacketReceiver | undefined;
  private readonly queue: Uint8Array[] = [];
  private readonly slots = Array.from({ length: 64 }, () => new Uint8Array(1200));
  private next = 0;

  attach(receiver: PacketReceiver): void {
    this.receiver = receiver;
  }

  send(bytes: Uint8Array): void {
    const slot = this.slots[this.next++ & 63]!;
    slot.set(bytes);
    this.peer!.queue.push(slot.subarray(0, bytes.length));
  }

  /** Delivers what is waiting; true if anything was. */
  pump(): boolean {
    if (this.queue.length === 0) return false;
    for (let i = 0; i < this.queue.length; i++) this.receiver!.receive(this, this.queue[i]!, 'peer', 1, null);
    this.queue.length = 0;
    return true;
  }

  closeLink(): void {}
  linkBound(): void {}
  async close(): Promise<void> {}
}

async function stackCpu(ctx: SuiteContext, secret: Uint8Array): Promise<CaseResult> {
  const crypto = createNativeCrypto();
  let delivered = 0;
  const server = new NetServer({ crypto, secret, channels: BENCH_CHANNELS, connectionPacketsPerSec: 1e9, connectionBytesPerSec: 1e12, handlers: { message: () => delivered++ } });
  const client = new NetClient({ crypto, channels: BENCH_CHANNELS });
  const atServer = new LoopbackLink();
  const atClient = new LoopbackLink();
  atServer.peer = atClient;
  atClient.peer = atServer;
  server.listen(atServer);
  client.connect(new TokenIssuer(crypto, secret).issue({ clientId: 1, serverAddresses: ['loopback'] }), atClient, 'server', 1);
  const pump = () => {
    while (atServer.pump() || atClient.pump());
  };
  for (let i = 0; i < 100 && client.state !== 'connected'; i++) {
    pump();
    server.update();
    client.update();
    await new Promise((r) => setTimeout(r, 2));
  }
  const message = new Uint8Array(MESSAGE_BYTES).fill(4);
  const row = await measure(ctx, SUITE, 'stack-cpu', 'chronos', () => {
    for (let i = 0; i < BATCH; i++) {
      client.send(0, message);
      client.flush();
      pump();
    }
  }, { perOp: { count: BATCH, unit: 'packet' } });
  row.metrics.one_core_packets_per_sec = Math.round((BATCH * 1e9) / row.median_ns);
  row.metrics.wire_bytes = WIRE_BYTES;
  consume(delivered);
  return row;
}

/**
 * Bursts of RELIABLE_MESSAGES through a reliable-ordered channel at 5 % loss, each run until all
 * are delivered or RELIABLE_DEADLINE_MS of simulated time passed. Every message carries its
 * number; the receiver counts the ones that arrive in order, once. Timed: the CPU both ends
 * spend. Metrics: messages per simulated second and the delivered ratio, both as counted.
 */
async function reliableUnderLoss(ctx: SuiteContext): Promise<CaseResult> {
  const crypto = createNativeCrypto();
  // A queue with room for a whole burst plus what is still unacked from the previous one.
  const channels: ChannelConfig[] = [{ kind: 'reliable-ordered', priority: 'critical', queueMessages: 4096 }];
  const net = new MemoryNetwork({ seed: 5, profile: profile('lan', { loss: 0.05, latencyMs: 10, jitterMs: 2 }) });
  const now = () => net.nowMs;
  const unixNow = () => 1_700_000_000_000 + net.nowMs;
  let delivered = 0;
  let misordered = 0;
  const server = new NetServer({
    crypto,
    secret: new Uint8Array(32).fill(1),
    channels,
    now,
    unixNow,
    handlers: {
      message: (_conn, _channel, bytes) => {
        const n = bytes[0]! | (bytes[1]! << 8) | (bytes[2]! << 16) | (bytes[3]! << 24);
        if (n === delivered) delivered++;
        else misordered++;
      },
    },
  });
  server.listen(net.bind('server', 1));
  const client = new NetClient({ crypto, channels, now, unixNow });
  client.connect(server.issuer.issue({ clientId: 1, serverAddresses: ['memory'], nowUnixMs: unixNow(), expiresInS: 3600 }), net.bind('client'), 'server', 1);
  const step = () => {
    net.advance(1000 / 60);
    server.update();
    client.update();
  };
  while (client.state !== 'connected' || !server.connections[0]?.accepted) step();
  const message = new Uint8Array(MESSAGE_BYTES).fill(3);
  let sent = 0;
  const run = () => {
    const start = net.nowMs;
    for (let i = 0; i < RELIABLE_MESSAGES; i++) {
      message[0] = sent & 0xff;
      message[1] = (sent >>> 8) & 0xff;
      message[2] = (sent >>> 16) & 0xff;
      message[3] = (sent >>> 24) & 0xff;
      client.send(0, message);
      sent++;
    }
    while (delivered < sent && net.nowMs - start < RELIABLE_DEADLINE_MS) step();
  };
  const sent0 = sent, delivered0 = delivered, simulated0 = net.nowMs, lost0 = client.connection.stats().packetsLost;
  const row = await measure(ctx, SUITE, 'reliable-5pct', 'chronos', run, { perOp: { count: RELIABLE_MESSAGES, unit: 'message' } });
  const simulatedS = (net.nowMs - simulated0) / 1000;
  const bursts = (sent - sent0) / RELIABLE_MESSAGES;
  row.metrics.messages_per_simulated_sec = Math.round((delivered - delivered0) / simulatedS);
  row.metrics.delivered_ratio = (delivered - delivered0) / (sent - sent0);
  row.metrics.out_of_order_or_duplicate = misordered;
  row.metrics.simulated_ms_per_1000 = Math.round((simulatedS * 1000) / bursts);
  row.metrics.packets_lost_per_1000 = Math.round((client.connection.stats().packetsLost - lost0) / bursts);
  return row;
}

async function handshake(ctx: SuiteContext): Promise<CaseResult> {
  const crypto = createNativeCrypto();
  const net = new MemoryNetwork({ seed: 9 });
  const now = () => net.nowMs;
  const unixNow = () => 1_700_000_000_000 + net.nowMs;
  const server = new NetServer({ crypto, secret: new Uint8Array(32).fill(2), now, unixNow, maxConnections: 100_000, handshakesPerIpPerSec: 1e9, maxHandshakesPerSec: 1e9 });
  server.listen(net.bind('server', 1));
  let id = 0;
  const connectOne = (keep: boolean) => {
    const client = new NetClient({ crypto, now, unixNow });
    const transport = net.bind('client');
    client.connect(server.issuer.issue({ clientId: ++id, serverAddresses: ['memory'], nowUnixMs: unixNow() }), transport, 'server', 1);
    while (client.state !== 'connected') {
      net.advance(1);
      server.update();
      client.update();
    }
    if (!keep) {
      client.disconnect();
      net.advance(1);
      server.update();
    }
    return client;
  };
  const row = await measure(ctx, SUITE, 'handshake', 'chronos', () => connectOne(false));
  // Server memory per connection: heap plus array buffers after a full collection with
  // MEMORY_CONNECTIONS idle connections, minus the same after the server let them all go (the
  // clients, which live in this process too, stay referenced throughout, so they cancel out).
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const used = () => {
    gc();
    const m = process.memoryUsage();
    return m.heapUsed + m.external;
  };
  const clients = Array.from({ length: MEMORY_CONNECTIONS }, () => connectOne(true));
  for (let i = 0; i < 30; i++) {
    net.advance(1000 / 60);
    server.update();
    for (const c of clients) c.update();
  }
  const withConnections = used();
  await server.close();
  const perConnection = (withConnections - used()) / MEMORY_CONNECTIONS;
  consume(clients);
  row.metrics.header_bytes_per_packet = DATA_OVERHEAD_BYTES;
  row.metrics.bytes_per_connection = Math.round(perConnection);
  return row;
}

export const suite: Suite = {
  name: SUITE,
  description: 'crypto per packet, stack throughput and latency over UDP, reliability under loss, handshakes',
  async run(ctx) {
    const results: CaseResult[] = [];
    results.push(...(await cryptoCases(ctx)));
    const secret = new Uint8Array(32).fill(9);
    results.push(await stackPps(ctx, 'chronos', secret));
    results.push(await stackPps(ctx, 'dgram', secret));
    const ours = results.find((r) => r.case === 'stack-pps' && r.impl === 'chronos')!;
    const raw = results.find((r) => r.case === 'stack-pps' && r.impl === 'dgram')!;
    ours.metrics.fraction_of_dgram = ours.metrics.packets_per_sec! / raw.metrics.packets_per_sec!;
    const rttOurs = await stackRtt(ctx, 'chronos', secret);
    const rttRaw = await stackRtt(ctx, 'dgram', secret);
    // Added one-way latency: half the extra round trip (the stack runs once each way).
    rttOurs.metrics.added_one_way_median_us = (rttOurs.median_ns - rttRaw.median_ns) / 2000;
    rttOurs.metrics.added_one_way_p99_us = (rttOurs.p99_ns - rttRaw.p99_ns) / 2000;
    // Calibration: the same round trip with the echo held RTT_CHECK_DELAY_US longer must measure
    // about that much more (a pipelined or lost message would not).
    const short = { ...ctx, timeMs: Math.min(ctx.timeMs, 300) };
    for (const row of [rttOurs, rttRaw]) {
      const delayed = await stackRtt(short, row.impl as 'chronos' | 'dgram', secret, RTT_CHECK_DELAY_US, 'stack-rtt-check');
      row.metrics.check_echo_delay_us = RTT_CHECK_DELAY_US;
      row.metrics.check_measured_added_us = (delayed.median_ns - row.median_ns) / 1000;
    }
    results.push(rttOurs, rttRaw);
    results.push(await stackCpu(ctx, secret));
    results.push(await reliableUnderLoss(ctx));
    results.push(await handshake(ctx));
    return results;
  },
};
