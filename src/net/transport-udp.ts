// UDP over node:dgram (Node only): the game port. Node may hold a datagram's buffer until the
// kernel takes it, so sends go through a pool of SEND_POOL_SIZE buffers, each freed by its own
// send callback (closures made once per slot): the caller's buffer is reusable at once and
// nothing is allocated per packet. If every slot is busy (the kernel send queue is backed up),
// a fresh buffer is used and counted.
//
// Addresses no reply can reach are refused both ways: a datagram from source port 0 (Linux
// delivers them) is dropped before the protocol sees it, and a send to a port outside 1..65535
// is a counted drop (dgram would throw ERR_SOCKET_BAD_PORT synchronously, inside the message
// listener that answered). Any other synchronous throw from dgram is caught and counted too.
//
// A connected socket (a client's) sends synchronously (no address lookup), so it skips the
// callbacks: an exactly sized view of one buffer goes out, and the buffer is reused at once
// unless the kernel queued the datagram, in which case it stays pinned (with any others
// pinned since) until the socket's send queue is empty again.

import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { PACKET_DROP, SEND_DROP } from './drops.js';
import { MAX_PACKET_BYTES } from './spec.js';
import type { PacketReceiver, Transport } from './transport.js';
import { ViewCache } from './wire.js';

/** In-flight sends before the pool falls back to allocating: a server socket's default. */
export const SEND_POOL_SIZE = 256;
/** A client sends a few packets per tick; a small pool keeps thousands of bots cheap. */
export const CLIENT_SEND_POOL_SIZE = 16;
/** 4 MiB kernel buffers for a server (Linux caps them at net.core.[rw]mem_max). */
export const SERVER_SOCKET_BUFFER_BYTES = 4 << 20;

export interface UdpBindOptions {
  host?: string;
  port?: number;
  /** SO_RCVBUF / SO_SNDBUF; the seed recommends megabytes for busy servers. Default: the OS's. */
  socketBufferBytes?: number;
  /** Send buffers in the pool (default SEND_POOL_SIZE). */
  poolSize?: number;
  /** A client's socket talks to one server: connecting it spares dgram an address lookup per
   * send, and the kernel then drops datagrams from anyone else. */
  connect?: { host: string; port: number };
}

export class UdpTransport implements Transport {
  readonly name = 'udp' as const;
  readonly socket: Socket;
  private receiver: PacketReceiver | undefined;
  private readonly pool: Buffer[] = [];
  private readonly busy: Uint8Array;
  private readonly done: ((err?: Error | null) => void)[] = [];
  private readonly poolSize: number;
  private cursor = 0;
  private inFlight = 0;
  private connected = false;
  /** Connected mode: the pool slot in use, exact-length views of each slot, slots pinned. */
  private hot = 0;
  private views: ViewCache[] = [];
  private pinned = 0;
  private onDrained: (() => void) | undefined;
  poolMisses = 0;
  sendErrors = 0;
  /** Sends refused because the peer's port cannot be sent to. */
  unanswerable = 0;
  private closed = false;

  /** Wraps a bound socket (the server binds it itself to report port conflicts). */
  constructor(socket: Socket, poolSize = SEND_POOL_SIZE) {
    this.socket = socket;
    this.poolSize = poolSize;
    this.busy = new Uint8Array(poolSize);
    for (let i = 0; i < poolSize; i++) {
      this.pool.push(Buffer.allocUnsafe(MAX_PACKET_BYTES));
      this.done.push((err?: Error | null) => {
        this.busy[i] = 0;
        if (err) this.sendErrors++;
        if (--this.inFlight === 0 && this.onDrained) this.onDrained();
      });
    }
    socket.on('message', (msg, rinfo) => {
      if (rinfo.port === 0) this.receiver?.transportDrop(this, PACKET_DROP.unanswerable);
      else this.receiver?.receive(this, msg, rinfo.address, rinfo.port, null);
    });
    // An ICMP error from a peer that went away surfaces here; the timeout handles the peer.
    socket.on('error', () => this.sendErrors++);
  }

  /** Binds a new socket (port 0 picks a free one). */
  static bind(options: UdpBindOptions = {}): Promise<UdpTransport> {
    const host = options.host ?? '0.0.0.0';
    const bufferBytes = options.socketBufferBytes;
    return new Promise((resolve, reject) => {
      const type = isIPv6(host) ? 'udp6' : 'udp4';
      const socket = createSocket(bufferBytes === undefined ? { type } : { type, recvBufferSize: bufferBytes, sendBufferSize: bufferBytes });
      const onError = (err: Error) => {
        socket.close();
        reject(err);
      };
      socket.once('error', onError);
      socket.bind(options.port ?? 0, host, () => {
        const to = options.connect;
        if (to === undefined) {
          socket.off('error', onError);
          resolve(new UdpTransport(socket, options.poolSize));
          return;
        }
        socket.connect(to.port, to.host, () => {
          socket.off('error', onError);
          const transport = new UdpTransport(socket, options.poolSize);
          transport.connected = true;
          transport.views = transport.pool.map((b) => new ViewCache(b, 0));
          resolve(transport);
        });
      });
    });
  }

  get port(): number {
    return this.socket.address().port;
  }

  attach(receiver: PacketReceiver): void {
    this.receiver = receiver;
  }

  send(bytes: Uint8Array, host: string, port: number): number {
    if (this.closed) return SEND_DROP.link_closed;
    if (this.connected) return this.sendConnected(bytes);
    if (!(port >= 1 && port <= 65535 && (port | 0) === port)) {
      this.unanswerable++;
      return SEND_DROP.unanswerable;
    }
    const n = this.poolSize;
    for (let k = 0; k < n; k++) {
      const i = this.cursor;
      this.cursor = i + 1 === n ? 0 : i + 1;
      if (this.busy[i] === 1) continue;
      this.busy[i] = 1;
      this.inFlight++;
      const buf = this.pool[i]!;
      buf.set(bytes);
      try {
        this.socket.send(buf, 0, bytes.length, port, host, this.done[i]);
      } catch {
        // Thrown before dgram took the buffer: the callback will not come.
        this.done[i]!(null);
        this.sendErrors++;
        return SEND_DROP.send_failed;
      }
      return -1;
    }
    this.poolMisses++;
    try {
      this.socket.send(Buffer.from(bytes), port, host);
    } catch {
      this.sendErrors++;
      return SEND_DROP.send_failed;
    }
    return -1;
  }

  private sendConnected(bytes: Uint8Array): number {
    try {
      this.sendConnectedUnguarded(bytes);
    } catch {
      this.sendErrors++;
      return SEND_DROP.send_failed;
    }
    return -1;
  }

  private sendConnectedUnguarded(bytes: Uint8Array): void {
    const socket = this.socket;
    if (this.pinned > 0 && socket.getSendQueueCount() === 0) {
      // The kernel took everything queued: every pinned buffer is free again.
      this.pinned = 0;
      this.hot = 0;
    }
    if (this.pinned >= this.poolSize) {
      this.poolMisses++;
      socket.send(Buffer.from(bytes));
      return;
    }
    const view = this.views[this.hot]!.get(bytes.length) as Buffer;
    view.set(bytes);
    socket.send(view);
    if (socket.getSendQueueCount() !== 0) {
      // Queued, so dgram still holds this buffer: move on to the next one.
      this.pinned++;
      this.hot = this.pinned;
    }
  }

  closeLink(): void {}

  linkBound(): void {}

  /** Closes the socket once the sends already handed to it have left (a DISCONNECT, say). */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return new Promise((resolve) => {
      const closeNow = () => {
        this.onDrained = undefined;
        this.socket.close(() => resolve());
      };
      if (this.connected) {
        // Connected sends left synchronously unless the kernel queued them: wait for the queue.
        const started = Date.now();
        const poll = () => (this.socket.getSendQueueCount() === 0 || Date.now() - started > 200 ? closeNow() : setTimeout(poll, 5));
        poll();
        return;
      }
      if (this.inFlight === 0) {
        // dgram resolves the address on the next tick before sending: let that happen first.
        setImmediate(closeNow);
        return;
      }
      this.onDrained = closeNow;
      setTimeout(() => this.onDrained?.(), 200).unref();
    });
  }
}
