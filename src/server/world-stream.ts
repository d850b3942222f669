// Streams the world to WebSocket clients: HELLO on connect, a STATE frame every
// tickHz/streamHz ticks (encoded once, sent to all), and the state HASH every hashEveryTicks
// ticks so each page can prove its local simulation equals the server's. Clients that cannot
// keep up skip STATE frames (counted) and are cut off if their backlog keeps growing.

import type { WebSocket, WebSocketServer } from 'ws';
import type { World } from '../core/world.js';
import { encodeHash, encodeHello, encodeStateInto, STATE_ENTITY_BYTES, STATE_HEADER_BYTES } from '../codec/world-frame.js';
import type { ChronosConfig } from '../core/config.js';
import type { ServerMetrics } from './metrics.js';

/** Skip STATE frames for a client with more than this queued (about 0.1 s at 2,000 NPCs). */
export const MAX_BUFFERED_BYTES = 1 << 20;
/** Disconnect a client whose queue passes this (it stopped reading). */
export const MAX_STALLED_BYTES = 16 << 20;
/** Largest message a client may send: the interim stream expects none at all. */
export const MAX_CLIENT_MESSAGE_BYTES = 4096;

export class WorldStream {
  private readonly clients = new Set<WebSocket>();
  private readonly world: World;
  private readonly config: ChronosConfig;
  private readonly metrics: ServerMetrics;
  private readonly ticksPerFrame: number;
  private stateBuffer: Uint8Array;

  constructor(wss: WebSocketServer, world: World, config: ChronosConfig, metrics: ServerMetrics) {
    this.world = world;
    this.config = config;
    this.metrics = metrics;
    this.ticksPerFrame = Math.max(1, Math.round(config.tickHz / config.streamHz));
    this.stateBuffer = new Uint8Array(STATE_HEADER_BYTES + STATE_ENTITY_BYTES * world.capacity);
    wss.on('connection', (ws) => this.accept(ws));
  }

  get clientCount(): number {
    return this.clients.size;
  }

  private accept(ws: WebSocket): void {
    if (this.clients.size >= this.config.maxClients) {
      this.metrics.connectionsRejected.inc({ reason: 'server_full' });
      ws.close(1013, 'server full');
      return;
    }
    this.clients.add(ws);
    this.metrics.clients.set(this.clients.size);
    ws.on('message', () => this.metrics.inputDropped.inc({ transport: 'websocket', reason: 'unexpected_message' }));
    ws.on('error', () => this.metrics.inputDropped.inc({ transport: 'websocket', reason: 'socket_error' }));
    ws.on('close', () => {
      this.clients.delete(ws);
      this.metrics.clients.set(this.clients.size);
    });
    const o = this.world.options;
    this.send(
      ws,
      encodeHello({
        seed: o.seed,
        tick: this.world.tick,
        capacity: o.capacity,
        npcs: this.config.npcs,
        hashEveryTicks: this.config.hashEveryTicks,
        tickHz: o.tickHz,
        bounds: o.bounds,
        npc: o.npc,
      }),
    );
  }

  /** Called after every simulation tick. */
  onTick(tick: number): void {
    if (this.clients.size === 0) return;
    if (tick % this.config.hashEveryTicks === 0) this.broadcast(encodeHash(tick, this.world.hash()), false);
    if (tick % this.ticksPerFrame === 0) {
      const w = this.world;
      const length = encodeStateInto(this.stateBuffer, tick, w.highWater, {
        flags: w.column('flags'),
        generation: w.column('generation'),
        posX: w.column('posX'),
        posY: w.column('posY'),
        posZ: w.column('posZ'),
      });
      // One copy per frame: ws queues the buffer it is given, so the reused encode buffer must
      // not be handed out while later ticks overwrite it.
      this.broadcast(this.stateBuffer.slice(0, length), true);
    }
  }

  close(): void {
    for (const ws of this.clients) ws.close(1001, 'server shutting down');
    this.clients.clear();
    this.metrics.clients.set(0);
  }

  private broadcast(frame: Uint8Array, droppable: boolean): void {
    for (const ws of this.clients) {
      if (ws.bufferedAmount > MAX_STALLED_BYTES) {
        this.metrics.framesDropped.inc({ reason: 'client_stalled' });
        ws.terminate();
        continue;
      }
      if (droppable && ws.bufferedAmount > MAX_BUFFERED_BYTES) {
        this.metrics.framesDropped.inc({ reason: 'backpressure' });
        continue;
      }
      this.send(ws, frame);
    }
  }

  private send(ws: WebSocket, frame: Uint8Array): void {
    if (ws.readyState !== ws.OPEN) return;
    ws.send(frame, { binary: true });
    this.metrics.bytesOut.inc(frame.byteLength);
  }
}

