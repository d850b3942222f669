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

/** Keys are the sequence mod 2^30 and values whole seconds since the ledger began: both small
 * integers, which V8 stores in the map itself (no boxed number per entry). Two live cookies
 * cannot share a key: that takes 2^30 challenges within one cookie lifetime. */
const KEY_MODULUS = 2 ** 30;

export class CookieLedger {
  /** sequence key -> second (since `epochMs`) after which the cookie is expired anyway.
   * Insertion order is expiry order: every entry lives the same time from its insertion. */
  private readonly consumed = new Map<number, number>();
  readonly capacity: number;
  private epochMs = -1;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  private second(unixMs: number): number {
    if (this.epochMs < 0) this.epochMs = unixMs;
    return Math.ceil((unixMs - this.epochMs) / 1000);
  }

  get size(): number {
    return this.consumed.size;
  }

  has(seq: number): boolean {
    return this.consumed.has(seq % KEY_MODULUS);
  }

  /** Frees entries whose cookies have expired; true if there is room for one more. */
  hasRoom(unixNowMs: number): boolean {
    const now = (unixNowMs - Math.max(0, this.epochMs)) / 1000;
    for (const [key, until] of this.consumed) {
      if (until > now) break;
      this.consumed.delete(key);
    }
    return this.consumed.size < this.capacity;
  }

  /** Remembers `seq` until `expiresUnixMs` (rounded up to the second). */
  consume(seq: number, expiresUnixMs: number): void {
    this.consumed.set(seq % KEY_MODULUS, this.second(expiresUnixMs));
  }
}
