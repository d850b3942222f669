// Amounts per second over windows of about one second (bytes in, rollbacks, frames...), for
// overlays and reports. Allocation-free: a running sum and the rate of the last full window.

export class RateMeter {
  private windowStart = 0;
  private windowCount = 0;
  private rate = 0;

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

  get perSecond(): number {
    return this.rate;
  }
}
