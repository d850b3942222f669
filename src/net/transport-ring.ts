// Packets through shared memory instead of a socket: two MessageRings between a server endpoint
// on one thread and any number of peers on another. The socketless server benchmark uses it to
// measure the server (open, decode, step, interest, encode, seal) and not the kernel's UDP path.
// A peer is addressed by its number: host 10.a.b.c (the number's bytes: each peer its own
// address, as separate players' machines would be, so per-address limits see them apart) and
// port = the number; a record's id is that number.
//
//   RingTransport (the server's side): sends into `out`; poll() hands what arrived on `in` to
//   the endpoint. RingPeers (the other side): one Transport per peer sending into the server's
//   `in`; deliver() routes what the server sent to each peer's endpoint.

import { MessageRing } from '../core/message-ring.js';
import type { PacketReceiver, Transport } from './transport.js';

const KIND_PACKET = 1;

/** The address a ring peer appears at: 10.x.y.z from its number. */
export function ringHostOf(peer: number): string {
  return `10.${(peer >>> 16) & 255}.${(peer >>> 8) & 255}.${peer & 255}`;
}

export class RingTransport implements Transport {
  readonly name = 'memory' as const;
  private readonly incoming: MessageRing;
  private readonly outgoing: MessageRing;
  private receiver: PacketReceiver | undefined;
  /** Each peer's address string, made once. */
  private readonly hosts: string[] = [];
  /** Packets the other side had no room for. */
  get dropped(): number {
    return this.outgoing.dropped;
  }

  constructor(incoming: SharedArrayBuffer, outgoing: SharedArrayBuffer) {
    this.incoming = new MessageRing(incoming);
    this.outgoing = new MessageRing(outgoing);
  }

  attach(receiver: PacketReceiver): void {
    this.receiver = receiver;
  }

  send(bytes: Uint8Array, _host: string, port: number): void {
    this.outgoing.push(port, KIND_PACKET, 0, 0, bytes);
  }

  /** Hands every packet that arrived to the endpoint; returns how many. */
  poll(): number {
    const receiver = this.receiver;
    if (!receiver) return 0;
    return this.incoming.drain((r) => {
      let host = this.hosts[r.id];
      if (host === undefined) host = this.hosts[r.id] = ringHostOf(r.id);
      receiver.receive(this, r.payload, host, r.id, null);
    });
  }

  closeLink(): void {}
  linkBound(): void {}
  async close(): Promise<void> {}
}

/** The peers' side: a transport per peer into one server's rings. */
export class RingPeers {
  private readonly toServer: MessageRing;
  private readonly fromServer: MessageRing;
  private readonly peers: RingPeer[] = [];

  constructor(toServer: SharedArrayBuffer, fromServer: SharedArrayBuffer) {
    this.toServer = new MessageRing(toServer);
    this.fromServer = new MessageRing(fromServer);
  }

  /** A transport for peer number `port` (the server sees it at ring:port). */
  peer(port: number): Transport {
    const p = new RingPeer(this.toServer, port);
    this.peers[port] = p;
    return p;
  }

  /** Routes every packet the server sent to its peer's endpoint; returns how many. */
  deliver(): number {
    return this.fromServer.drain((r) => {
      const p = this.peers[r.id];
      if (p?.receiver) p.receiver.receive(p, r.payload, 'server', 0, null);
    });
  }
}

class RingPeer implements Transport {
  readonly name = 'memory' as const;
  receiver: PacketReceiver | undefined;

  constructor(
    private readonly ring: MessageRing,
    private readonly port: number,
  ) {}

  attach(receiver: PacketReceiver): void {
    this.receiver = receiver;
  }

  send(bytes: Uint8Array): void {
    this.ring.push(this.port, KIND_PACKET, 0, 0, bytes);
  }

  closeLink(): void {}
  linkBound(): void {}
  async close(): Promise<void> {}
}
