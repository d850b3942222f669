// The hard per-connection send ceiling (servers): a token bucket of `bytesPerSec` holding
// BURST_MS of it. Every block a flush writes, critical or not, first send or resend, must fit
// what is left; only empty packets (acks, keep-alives) and DISCONNECTs pass without it. It is a
// backstop above congestion control: the congestion budget paces non-critical traffic and every
// resend, this caps everything whatever the peer does.

export const DEFAULT_MAX_SEND_BYTES_PER_SEC = 16 << 20;
export const CEILING_BURST_MS = 100;

export class SendCeiling {
  private tokens: number;
  private lastMs = -1;
  private readonly burst: number;

  constructor(private readonly bytesPerSec: number) {
    if (!(bytesPerSec > 0)) throw new RangeError(`the send ceiling must be positive, got ${bytesPerSec}`);
    this.burst = Math.max(64 << 10, (bytesPerSec * CEILING_BURST_MS) / 1000);
    this.tokens = this.burst;
  }

  /** Refills and returns the bytes that may be sent now. */
  available(nowMs: number): number {
    if (this.lastMs >= 0 && nowMs > this.lastMs) this.tokens = Math.min(this.burst, this.tokens + ((nowMs - this.lastMs) * this.bytesPerSec) / 1000);
    this.lastMs = nowMs;
    return this.tokens > 0 ? Math.floor(this.tokens) : 0;
  }

  spend(bytes: number): void {
    this.tokens -= bytes;
  }

  reset(): void {
    this.tokens = this.burst;
    this.lastMs = -1;
  }
}
