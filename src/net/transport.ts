// Transports move packets and nothing else; every transport carries the same bytes. A peer is
// (host, port) for datagram transports (UDP, the in-memory network) and a `link` object for
// connection-oriented ones (a WebSocket): the endpoint keys connections by whichever the
// transport provides, and replies to an unknown peer with the same three values it received,
// so nothing is allocated for a packet from an address the endpoint does not know.

export type TransportName = 'udp' | 'websocket' | 'memory';

export interface PacketReceiver {
  /** One incoming packet. `bytes` is only valid during the call. */
  receive(transport: Transport, bytes: Uint8Array, host: string, port: number, link: object | null): void;
  /** A connection-oriented link closed (the WebSocket went away). */
  linkClosed(transport: Transport, link: object): void;
  /** The transport discarded something before the protocol saw it: counted under `reason` (a
   * PACKET_DROP index; default `transport`: a text frame, a frame from a closed link). */
  transportDrop(transport: Transport, reason?: number): void;
}

export interface Transport {
  readonly name: TransportName;
  /**
   * Sends one packet; the caller may reuse `bytes` as soon as this returns. Returns a SEND_DROP
   * index (drops.ts) if the packet was not handed on (an address it cannot send to, a full link
   * queue), which the endpoint counts; nothing or -1 otherwise. It may still throw: the
   * endpoint counts that as `send_failed`.
   */
  send(bytes: Uint8Array, host: string, port: number, link: object | null): number | void;
  /** Where incoming packets go. */
  attach(receiver: PacketReceiver): void;
  /** Closes one link of a connection-oriented transport (no-op for datagrams). */
  closeLink(link: object): void;
  /** The endpoint has a connection on this link now (it stops the link's handshake timer). */
  linkBound(link: object): void;
  close(): Promise<void>;
}
