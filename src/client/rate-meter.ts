// Amounts per second over windows of about one second (bytes in, rollbacks, frames...), for
// overlays and reports, fed amounts (add) or a running total's growth (addTotal). Allocation-free:
// a running sum and the rate of the last full window.

export class RateMeter {
  private windowStart = 0;
  private windowCount = 0;
  private rate = 0;
  private lastTotal = 0;

  add(amount: number, nowMs: number): void {
    if (this.windowStart === 0) this.windowStart = nowMs;
    this.windowCount += amount;
    const elapsed = nowMs - this.windowStart;
    if (elapsed >= 1000) {
      this.rate = (this.windowCount * 1000) / elapsed;
      this.windowCount = 0;
      this.windowStart = nowMs;
    }
  }

  /**
   * Adds what a running total (a connection's byte counter) grew by since the last call; a total
   * below the last one restarted from zero (a new link counts from zero).
   */
  addTotal(total: number, nowMs: number): void {
    if (total < this.lastTotal) this.lastTotal = 0;
    this.add(total - this.lastTotal, nowMs);
    this.lastTotal = total;
  }

  get perSecond(): number {
    return this.rate;
  }
}
