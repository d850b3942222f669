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

import type { Worker } from 'node:worker_threads';
import { StateError } from '../core/errors.js';
import type { ChannelConfig } from '../net/channel.js';
import { DisconnectReason, type SessionTier } from '../net/spec.js';
import type { ClientLink } from './client-link.js';
import type { NetWorkerCounters, NetWorkerMessage } from './net-shard-protocol.js';
import { NetWorkerShard, RemoteLink } from './net-worker-shard.js';

export { NetWorkerShard, RemoteLink } from './net-worker-shard.js';

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

  /**
   * The link holding `clientId`'s session (connected or parked), or undefined. A scan: it runs
   * once per POST /connect that presents a ticket, which the connect rate limit bounds.
   */
  linkOfClient(clientId: number): RemoteLink | undefined {
    for (const shard of this.shards) {
      if (!shard.alive) continue;
      for (const link of shard.links) if (link && link.clientId === clientId) return link;
    }
    return undefined;
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
