// Packets through shared memory instead of a socket: two MessageRings between a server endpoint
// on one thread and any number of peers on another. The socketless server benchmark uses it to
// measure the server (open, decode, step, interest, encode, seal) and not the kernel's UDP path.
// A peer is addressed as host 'ring', port = its number; a record's id is that number.
//
//   RingTransport (the server's side): sends into `out`; poll() hands what arrived on `in` to
//   the endpoint. RingPeers (the other side): one Transport per peer sending into the server's
//   `in`; deliver() routes what the server sent to each peer's endpoint.

import { MessageRing } from '../core/message-ring.js';
import type { PacketReceiver, Transport } from './transport.js';

export const RING_HOST = 'ring';
const KIND_PACKET = 1;

export class RingTransport implements Transport {
  readonly name = 'memory' as const;
  private readonly incoming: MessageRing;
  private readonly outgoing: MessageRing;
  private receiver: PacketReceiver | undefined;
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
    return this.incoming.drain((r) => receiver.receive(this, r.payload, RING_HOST, r.id, null));
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
      if (p?.receiver) p.receiver.receive(p, r.payload, RING_HOST, 0, null);
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
