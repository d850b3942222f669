// Single-use handshake cookies. A RESPONSE that opens a session consumes its cookie (named by
// the handshake sequence of its CHALLENGE, unique per server); a RESPONSE carrying a consumed
// cookie is refused until the cookie would have expired anyway (CHALLENGE_TIMEOUT_MS after it
// was issued). Without this, a RESPONSE recorded on the wire and replayed after its session
// ended rebuilds the same session keys and salts with the packet sequence back at 0: the
// server would seal new packets under nonces it already used.
//
// Bounded: only cookies that opened a session are remembered, sessions open at most
// maxHandshakesPerSec (plus one second's burst), and each entry lives CHALLENGE_TIMEOUT_MS, so
// the ledger holds at most `capacity` entries (22,000 at the default 2,000/s: under 2 MB). When
// it is full (only if the clock jumps) new sessions wait (handshake_busy) rather than forget.

export class CookieLedger {
  /** handshake sequence -> unix ms after which the cookie is expired anyway. Insertion order is
   * expiry order (cookies are consumed as they arrive and all live the same time). */
  private readonly consumed = new Map<number, number>();
  readonly capacity: number;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get size(): number {
    return this.consumed.size;
  }

  has(seq: number): boolean {
    return this.consumed.has(seq);
  }

  /** Frees entries whose cookies have expired; true if there is room for one more. */
  hasRoom(unixNowMs: number): boolean {
    for (const [seq, until] of this.consumed) {
      if (until > unixNowMs) break;
      this.consumed.delete(seq);
    }
    return this.consumed.size < this.capacity;
  }

  consume(seq: number, expiresUnixMs: number): void {
    this.consumed.set(seq, expiresUnixMs);
  }
}
