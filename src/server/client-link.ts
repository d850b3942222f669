// ClientLink: what a server's game side (DeclaredServer) needs of a client connection, so that
// one in this thread (a NetServer's Connection) and one owned by a network worker (RemoteLink,
// net-workers.ts) serve alike. A Connection is a ClientLink as it is.

export interface ClientLink {
  readonly clientId: number;
  /** 'connected' while usable; anything else (suspended, closed) sends nothing. */
  readonly state: string;
  readonly rttMs: number;
  readonly transport: { readonly name: string } | null;
  /** What the connection may still send this tick (its congestion budget), bytes. */
  budgetBytes(): number;
  /** Queues a message (copied); its number on the channel, or -1 when it was dropped. */
  send(channel: number, bytes: Uint8Array): number;
  /** As send; a link may keep `bytes` until its flush, so they must not change before then. */
  sendBorrowed(channel: number, bytes: Uint8Array): number;
}
