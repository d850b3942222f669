// NetWorkerPool: the server's connections spread over network workers (net-worker.ts), each a
// thread with its own UDP port, crypto and NetServer (protocol: net-shard-protocol.ts). The main
// thread runs the simulation and sees every worker's clients as RemoteLinks: at the start of a
// tick it drains what they sent (drain), during the tick it queues what they are sent (a copy
// into the worker's outbox), and after it bumps each worker's flush generation (flush), so the
// workers seal and send in parallel while the main thread goes on. A token names one worker's
// port: POST /connect gives the least loaded (leastLoaded).
//
// A worker that dies takes only its own clients with it: each of its links is disconnected
// (the handlers hear ServerClosed; the clients time out and reconnect with a new token), and
// the worker is started again on the same port. The server and the other shards keep running.

import { Worker } from 'node:worker_threads';
import { MessageRing } from '../core/message-ring.js';
import { StateError } from '../core/errors.js';
import type { ChannelConfig } from '../net/channel.js';
import { DisconnectReason, type SessionTier } from '../net/spec.js';
import type { ClientLink } from './client-link.js';
import {
  CTRL_DOORBELL, CTRL_FLUSH, CTRL_FLUSHED, CTRL_POLL, CTRL_POLLED, CTRL_STOP, CTRL_WORDS, TIMING_BUSY_MS, TIMING_PACKETS, KIND_CONNECT, KIND_DISCONNECT, KIND_INTERRUPT, KIND_KICK, KIND_MESSAGE, KIND_SEND, RING_BYTES,
  STATS_WORDS, STAT_BUDGET, STAT_BYTES_IN, STAT_BYTES_OUT, STAT_RTT, type NetWorkerCounters, type NetWorkerData, type NetWorkerMessage,
} from './net-shard-protocol.js';

export interface LinkHandlers {
  connect?(link: ClientLink, tier: SessionTier): void;
  interrupt?(link: ClientLink, reason: DisconnectReason): void;
  disconnect?(link: ClientLink, reason: DisconnectReason): void;
  message?(link: ClientLink, channel: number, bytes: Uint8Array): void;
}

export interface NetWorkerPoolOptions {
  workers: number;
  host: string;
  /** Worker i binds basePort + i; 0: each an ephemeral port. */
  basePort: number;
  secret: Uint8Array;
  channels: readonly ChannelConfig[];
  /** Connections per worker at most. */
  maxConnectionsPerWorker: number;
  /** Sessions one IP address may hold on a worker (its NetServer's cap). */
  maxSessionsPerIp?: number;
  handlers: LinkHandlers;
  log?: (line: string) => void;
  /** 'udp' (default), or 'ring': packets through shared memory (the socketless bench; see transport-ring.ts). */
  transport?: 'udp' | 'ring';
}

/** A connection owned by a network worker, as the main thread sees it. */
export class RemoteLink implements ClientLink {
  readonly shard: NetWorkerShard;
  readonly local: number;
  clientId = 0;
  state: 'connected' | 'suspended' | 'closed' = 'connected';
  transport: { readonly name: string } = { name: 'udp' };

  constructor(shard: NetWorkerShard, local: number) {
    this.shard = shard;
    this.local = local;
  }

  get rttMs(): number {
    return this.shard.stats[this.local * STATS_WORDS + STAT_RTT]!;
  }

  get bytesIn(): number {
    return this.shard.stats[this.local * STATS_WORDS + STAT_BYTES_IN]!;
  }

  get bytesOut(): number {
    return this.shard.stats[this.local * STATS_WORDS + STAT_BYTES_OUT]!;
  }

  budgetBytes(): number {
    return this.shard.stats[this.local * STATS_WORDS + STAT_BUDGET]!;
  }

  send(channel: number, bytes: Uint8Array): number {
    if (this.state !== 'connected') return -1;
    return this.shard.outbox.push(this.local, KIND_SEND, channel, 0, bytes) ? 0 : -1;
  }

  /** The worker's outbox holds a copy: borrowing costs the same as sending. */
  sendBorrowed(channel: number, bytes: Uint8Array): number {
    return this.send(channel, bytes);
  }

  /** Ends the session (the worker sends DISCONNECT with `reason`). */
  kick(reason: DisconnectReason): void {
    this.shard.outbox.push(this.local, KIND_KICK, 0, reason, null);
  }
}

export class NetWorkerShard {
  readonly index: number;
  port = 0;
  readonly inbox: MessageRing;
  readonly outbox: MessageRing;
  readonly control: Int32Array;
  readonly stats: Float64Array;
  /** Busy ms and packets received, as the worker counts them (TIMING_*). */
  readonly timing: Float64Array;
  /** With transport 'ring': the shared buffers its packets travel in (peers write `packetsIn`). */
  readonly packetsIn: SharedArrayBuffer | undefined;
  readonly packetsOut: SharedArrayBuffer | undefined;
  readonly links: (RemoteLink | undefined)[] = [];
  linkCount = 0;
  /** Tokens issued for this shard in the current second (spreads bursts of joins). */
  recentTokens = 0;
  counters: NetWorkerCounters | undefined;
  worker: Worker | undefined;
  alive = false;
  startedAtMs = 0;
  private readonly data: Omit<NetWorkerData, 'port'>;

  constructor(index: number, data: Omit<NetWorkerData, 'index' | 'port' | 'inbox' | 'outbox' | 'control' | 'stats' | 'timing' | 'packetsIn' | 'packetsOut'>) {
    this.index = index;
    this.inbox = new MessageRing(RING_BYTES);
    this.outbox = new MessageRing(RING_BYTES);
    const control = new SharedArrayBuffer(CTRL_WORDS * 4);
    const stats = new SharedArrayBuffer(data.maxConnections * STATS_WORDS * 8);
    const timing = new SharedArrayBuffer(16);
    this.control = new Int32Array(control);
    this.stats = new Float64Array(stats);
    this.timing = new Float64Array(timing);
    if (data.transport === 'ring') {
      this.packetsIn = new MessageRing(RING_BYTES * 4).buffer;
      this.packetsOut = new MessageRing(RING_BYTES * 4).buffer;
    }
    this.data = { ...data, index, inbox: this.inbox.buffer, outbox: this.outbox.buffer, control, stats, timing, packetsIn: this.packetsIn, packetsOut: this.packetsOut };
  }

  /** Starts the worker thread on `port`; resolves with the port it bound. */
  start(port: number): Promise<number> {
    const workerData = { ...this.data, port, chronosNetWorker: true };
    this.startedAtMs = Date.now();
    const entry = workerEntry();
    const worker = typeof entry === 'string' ? new Worker(entry, { eval: true, workerData }) : new Worker(entry, { workerData });
    this.worker = worker;
    return new Promise<number>((resolve, reject) => {
      worker.on('message', (m: NetWorkerMessage) => {
        if (m.type === 'ready') {
          this.port = m.port;
          this.alive = true;
          resolve(m.port);
        } else if (m.type === 'counters') this.counters = m.counters;
      });
      worker.once('error', (err) => {
        if (!this.alive) reject(err);
      });
      worker.once('exit', (code) => {
        if (!this.alive) reject(new StateError(`network worker ${this.index} exited with code ${code} before it was ready`));
      });
    });
  }

  /** Hands everything the worker's clients did since the last call to `handlers`. */
  drain(handlers: LinkHandlers): number {
    return this.inbox.drain((r) => {
      let link = this.links[r.id];
      switch (r.kind) {
        case KIND_CONNECT: {
          if (!link) {
            link = new RemoteLink(this, r.id);
            this.links[r.id] = link;
            this.linkCount++;
          }
          link.clientId = new DataView(r.payload.buffer, r.payload.byteOffset, 8).getFloat64(0, true);
          link.transport = { name: new TextDecoder().decode(r.payload.subarray(8)).trim() || 'udp' };
          link.state = 'connected';
          handlers.connect?.(link, r.arg as SessionTier);
          break;
        }
        case KIND_INTERRUPT:
          if (!link) return;
          link.state = 'suspended';
          handlers.interrupt?.(link, r.arg as DisconnectReason);
          break;
        case KIND_DISCONNECT:
          if (!link) return;
          this.forget(link);
          handlers.disconnect?.(link, r.arg as DisconnectReason);
          break;
        case KIND_MESSAGE:
          if (link) handlers.message?.(link, r.channel, r.payload);
          break;
      }
    });
  }

  forget(link: RemoteLink): void {
    link.state = 'closed';
    if (this.links[link.local] === link) {
      this.links[link.local] = undefined;
      this.linkCount--;
    }
  }

  private ring(word: number): void {
    Atomics.add(this.control, word, 1);
    Atomics.add(this.control, CTRL_DOORBELL, 1);
    Atomics.notify(this.control, CTRL_DOORBELL);
  }

  /** Tells the worker a tick's messages are queued: it seals and sends them now. */
  flush(): void {
    this.ring(CTRL_FLUSH);
  }

  /** Transport 'ring': tells the worker to take in the packets its peers wrote. */
  poll(): void {
    this.ring(CTRL_POLL);
  }

  /** Flushes and polls completed so far (for waiting on one in benches). */
  get flushed(): number {
    return Atomics.load(this.control, CTRL_FLUSHED);
  }

  get polled(): number {
    return Atomics.load(this.control, CTRL_POLLED);
  }

  /** Blocks until the worker has done `count` flushes (or polls), at most `timeoutMs`. */
  waitFor(word: 'flushed' | 'polled', count: number, timeoutMs = 10_000): boolean {
    const index = word === 'flushed' ? CTRL_FLUSHED : CTRL_POLLED;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const done = Atomics.load(this.control, index);
      if (done - count >= 0) return true;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      Atomics.wait(this.control, index, done, Math.min(left, 100));
    }
  }

  /** Ms the worker has spent busy for its clients, and packets it took in, since it started. */
  get busyMs(): number {
    return this.timing[TIMING_BUSY_MS]!;
  }

  get packetsReceived(): number {
    return this.timing[TIMING_PACKETS]!;
  }

  async stop(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.alive = false;
    Atomics.store(this.control, CTRL_STOP, 1);
    Atomics.add(this.control, CTRL_DOORBELL, 1);
    Atomics.notify(this.control, CTRL_DOORBELL);
    await Promise.race([
      new Promise<void>((resolve) => worker.once('exit', () => resolve())),
      new Promise<void>((resolve) => setTimeout(resolve, 2000)),
    ]);
    await worker.terminate();
    this.worker = undefined;
  }
}

/**
 * The worker's module: the compiled file next to this one; or, when this file runs as TypeScript
 * (the tests run from src/), a bootstrap that registers tsx's loader in the worker and imports
 * the TypeScript source.
 */
function workerEntry(): URL | string {
  const self = import.meta.url;
  if (!self.endsWith('.ts')) return new URL('./net-worker.js', self);
  const source = new URL('./net-worker.ts', self).href;
  return `import('tsx/esm/api').then((api) => { api.register(); return import(${JSON.stringify(source)}); }).catch((err) => { throw err; });`;
}

export class NetWorkerPool {
  readonly shards: NetWorkerShard[] = [];
  readonly options: NetWorkerPoolOptions;
  /** Workers that died and were started again. */
  restarts = 0;
  /** Restarts in a row of workers that died within a minute of starting (backs the next one off). */
  private quickDeaths = 0;
  private closed = false;
  private tokenSecond = 0;

  static async start(options: NetWorkerPoolOptions): Promise<NetWorkerPool> {
    if (!Number.isInteger(options.workers) || options.workers < 1 || options.workers > 256) throw new StateError(`workers must be an integer in [1, 256], got ${options.workers}`);
    const pool = new NetWorkerPool(options);
    try {
      for (let i = 0; i < options.workers; i++) {
        const shard = new NetWorkerShard(i, {
          host: options.host, secret: options.secret, channels: options.channels.map((c) => ({ ...c })), maxConnections: options.maxConnectionsPerWorker,
          maxSessionsPerIp: options.maxSessionsPerIp,
          transport: options.transport ?? 'udp',
        });
        pool.shards.push(shard);
        await shard.start(options.basePort === 0 ? 0 : options.basePort + i);
        pool.watch(shard);
      }
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  private constructor(options: NetWorkerPoolOptions) {
    this.options = options;
  }

  private watch(shard: NetWorkerShard): void {
    const worker = shard.worker!;
    worker.on('message', (m: NetWorkerMessage) => {
      if (m.type === 'fatal') this.options.log?.(`network worker ${shard.index} failed: ${m.message.split('\n')[0]}`);
    });
    worker.once('exit', (code) => {
      if (this.closed || !shard.alive) return;
      this.options.log?.(`network worker ${shard.index} exited (code ${code})`);
      shard.alive = false;
      void this.restart(shard);
    });
  }

  /** A worker died: its clients are gone; a new worker takes the same port. */
  private async restart(shard: NetWorkerShard): Promise<void> {
    const dropped = shard.linkCount;
    for (const link of shard.links) {
      if (!link) continue;
      shard.forget(link);
      this.options.handlers.disconnect?.(link, DisconnectReason.ServerClosed);
    }
    // Whatever the dead worker left in its rings belongs to sessions that no longer exist.
    shard.inbox.drain(() => undefined);
    shard.outbox.drain(() => undefined);
    this.restarts++;
    // A worker that keeps dying at once (a port taken, a fault at start) is restarted ever more
    // slowly, up to half a minute apart, rather than in a tight loop.
    this.quickDeaths = Date.now() - shard.startedAtMs < 60_000 ? this.quickDeaths + 1 : 0;
    const delayMs = this.quickDeaths <= 1 ? 0 : Math.min(30_000, 250 * 2 ** (this.quickDeaths - 2));
    this.options.log?.(`network worker ${shard.index} (udp port ${shard.port}) died; ${dropped} clients dropped; restarting${delayMs ? ` in ${delayMs} ms` : ''}`);
    if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
    if (this.closed) return;
    try {
      await shard.start(shard.port);
      this.watch(shard);
    } catch (err) {
      this.options.log?.(`network worker ${shard.index} could not restart: ${(err as Error).message}`);
    }
  }

  /** Start of a tick: every worker's events and messages, in order, to the handlers. */
  drain(): number {
    let n = 0;
    for (const shard of this.shards) if (shard.alive) n += shard.drain(this.options.handlers);
    return n;
  }

  /** End of a tick: every worker seals and sends what the tick queued. */
  flush(): void {
    for (const shard of this.shards) if (shard.alive) shard.flush();
  }

  /** The worker a new client should go to: fewest clients, counting tokens just issued. */
  leastLoaded(): NetWorkerShard {
    const second = Math.floor(Date.now() / 1000);
    if (second !== this.tokenSecond) {
      this.tokenSecond = second;
      for (const s of this.shards) s.recentTokens = 0;
    }
    let best = this.shards[0]!;
    for (const s of this.shards) if (s.alive && s.linkCount + s.recentTokens < best.linkCount + best.recentTokens) best = s;
    best.recentTokens++;
    return best;
  }

  *links(): IterableIterator<RemoteLink> {
    for (const shard of this.shards) for (const link of shard.links) if (link) yield link;
  }

  get linkCount(): number {
    let n = 0;
    for (const s of this.shards) n += s.linkCount;
    return n;
  }

  /** Counters summed over the workers (as they last reported, once a second). */
  totals(): NetWorkerCounters {
    const sum: NetWorkerCounters = { connections: 0, parked: 0, packetsReceived: 0, packetsAccepted: 0, bytesReceived: 0, packetsSent: 0, bytesSent: 0, handshakesCompleted: 0, inboxDropped: 0, heapUsed: 0, packetDrops: {}, messageDrops: {} };
    for (const s of this.shards) {
      const c = s.counters;
      if (!c) continue;
      for (const k of ['connections', 'parked', 'packetsReceived', 'packetsAccepted', 'bytesReceived', 'packetsSent', 'bytesSent', 'handshakesCompleted', 'inboxDropped', 'heapUsed'] as const) sum[k] += c[k];
      for (const [r, n] of Object.entries(c.packetDrops)) sum.packetDrops[r] = (sum.packetDrops[r] ?? 0) + n;
      for (const [r, n] of Object.entries(c.messageDrops)) sum.messageDrops[r] = (sum.messageDrops[r] ?? 0) + n;
    }
    return sum;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.shards.map((s) => s.stop()));
  }
}
