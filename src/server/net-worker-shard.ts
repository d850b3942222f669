// One network worker as the main thread sees it (NetWorkerShard): its thread, its shared rings
// and tables (net-shard-protocol.ts), and its clients as RemoteLinks. NetWorkerPool
// (net-workers.ts) owns the shards, restarts a dead one and routes new clients between them.

import { Worker } from 'node:worker_threads';
import { MessageRing } from '../core/message-ring.js';
import { StateError } from '../core/errors.js';
import type { DisconnectReason, SessionTier } from '../net/spec.js';
import type { ClientLink } from './client-link.js';
import type { TicketHolder } from '../net/server-credentials.js';
import { normalizeAddress } from '../net/client-address.js';
import type { LinkHandlers } from './net-workers.js';
import {
  CTRL_DOORBELL, CTRL_FLUSH, CTRL_FLUSHED, CTRL_POLL, CTRL_POLLED, CTRL_STOP, CTRL_WORDS, TIMING_BUSY_MS, TIMING_PACKETS, KIND_CONNECT, KIND_DISCONNECT, KIND_INTERRUPT, KIND_KICK, KIND_MESSAGE, KIND_SEND, RING_BYTES,
  STATS_WORDS, STAT_BUDGET, STAT_BYTES_IN, STAT_BYTES_OUT, STAT_RTT, STAT_TICKET, type NetWorkerData, type NetWorkerMessage, type NetWorkerCounters,
} from './net-shard-protocol.js';

/** A connection owned by a network worker, as the main thread sees it. */
export class RemoteLink implements ClientLink, TicketHolder {
  readonly shard: NetWorkerShard;
  readonly local: number;
  clientId = 0;
  /** The address its session's link last came from (the per-IP session cap counts it). */
  host = '';
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

  /** The nonce of the newest resume ticket its session was sent (as of the worker's last flush). */
  get ticketNonce0(): number {
    return this.shard.stats[this.local * STATS_WORDS + STAT_TICKET]!;
  }

  get ticketNonce1(): number {
    return this.shard.stats[this.local * STATS_WORDS + STAT_TICKET + 1]!;
  }

  get ticketNonce2(): number {
    return this.shard.stats[this.local * STATS_WORDS + STAT_TICKET + 2]!;
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
          const [name = '', host = ''] = new TextDecoder().decode(r.payload.subarray(8)).split('\n');
          link.transport = { name: name.trim() || 'udp' };
          // As the WebSocket endpoint reports it (a dual-stack socket's ::ffff:a.b.c.d is a.b.c.d),
          // so one address's sessions count together whichever way they came.
          link.host = normalizeAddress(host);
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
