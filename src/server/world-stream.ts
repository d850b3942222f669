// Streams the world to every connected client over the network layer (channels in
// src/client/world-channels.ts): HELLO when a session starts or resyncs, a STATE frame every
// tickHz/streamHz ticks (encoded once, staged once, queued on every accepted connection), and
// the state HASH every hashEveryTicks ticks so each client can prove its local simulation equals
// the server's. A client on a congested link gets fewer STATE frames (its connection drops what
// its congestion budget cannot carry) but every HASH.
//
// Per-client traffic, for interest management: in `onTick`, for each connection of
// `server.connections` with `state === 'connected' && accepted`, build that client's snapshot
// sized to `conn.budgetBytes()` and `conn.send(WORLD_STATE_CHANNEL, bytes)`; the `acked` handler
// reports which snapshot numbers the client holds (delta baselines).

import type { World } from '../core/world.js';
import type { ChronosConfig } from '../core/config.js';
import { encodeHash, encodeHello, encodeStateInto, STATE_ENTITY_BYTES, STATE_HEADER_BYTES } from '../codec/world-frame.js';
import { WORLD_RELIABLE_CHANNEL, WORLD_STATE_CHANNEL } from '../client/world-channels.js';
import type { Connection } from '../net/connection.js';
import type { NetServer, NetServerHandlers } from '../net/server.js';
import { SessionTier } from '../net/spec.js';
import type { ServerMetrics } from './metrics.js';

export class WorldStream {
  private readonly world: World;
  private readonly config: ChronosConfig;
  private readonly metrics: ServerMetrics;
  private readonly ticksPerFrame: number;
  private readonly stateBuffer: Uint8Array;
  private server: NetServer | undefined;

  constructor(world: World, config: ChronosConfig, metrics: ServerMetrics) {
    this.world = world;
    this.config = config;
    this.metrics = metrics;
    this.ticksPerFrame = Math.max(1, Math.round(config.tickHz / config.streamHz));
    this.stateBuffer = new Uint8Array(STATE_HEADER_BYTES + STATE_ENTITY_BYTES * world.capacity);
  }

  /** The NetServer's handlers for this stream (the server is created with them). */
  handlers(): NetServerHandlers {
    return {
      connect: (conn, tier) => {
        // Resume keeps the channels: the client already has its HELLO. New and Resync start over.
        if (tier !== SessionTier.Resume) this.sendHello(conn);
        this.metrics.clients.set(this.clientCount);
      },
      interrupt: () => this.metrics.clients.set(this.clientCount),
      disconnect: () => this.metrics.clients.set(this.clientCount),
      // The demo stream expects nothing from clients; games handle their inputs here.
      message: (conn) => this.metrics.inputDropped.inc({ transport: conn.transport?.name ?? 'unknown', reason: 'unexpected_message' }),
    };
  }

  attach(server: NetServer): void {
    this.server = server;
  }

  get clientCount(): number {
    return this.server?.connectionCount ?? 0;
  }

  private sendHello(conn: Connection): void {
    const o = this.world.options;
    const hello = encodeHello({
      seed: o.seed,
      tick: this.world.tick,
      capacity: o.capacity,
      npcs: this.config.npcs,
      hashEveryTicks: this.config.hashEveryTicks,
      tickHz: o.tickHz,
      bounds: o.bounds,
      npc: o.npc,
    });
    conn.sendBorrowed(WORLD_RELIABLE_CHANNEL, hello);
    this.metrics.bytesOut.inc(hello.byteLength);
  }

  /** Called after every simulation tick, before the network flush. */
  onTick(tick: number): void {
    const server = this.server;
    if (server === undefined) return;
    const clients = this.clientCount;
    if (clients === 0) return;
    if (tick % this.config.hashEveryTicks === 0) {
      const hash = encodeHash(tick, this.world.hash());
      server.broadcast(WORLD_RELIABLE_CHANNEL, hash);
      this.metrics.bytesOut.inc(hash.byteLength * clients);
    }
    if (tick % this.ticksPerFrame === 0) {
      const w = this.world;
      const length = encodeStateInto(this.stateBuffer, tick, w.highWater, {
        flags: w.column('flags'),
        generation: w.column('generation'),
        posX: w.column('posX'),
        posY: w.column('posY'),
        posZ: w.column('posZ'),
      });
      // broadcast copies the frame once into the network's staging buffer, so the encode buffer
      // is free again for the next frame.
      server.broadcast(WORLD_STATE_CHANNEL, this.stateBuffer.subarray(0, length));
      this.metrics.bytesOut.inc(length * clients);
    }
  }
}
