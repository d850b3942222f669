// Last-resort reporting of exceptions the endpoints contain: a bug (or a game handler's throw)
// reached by one packet or one connection must not end the process, and must not pass
// silently either. Each is counted by the caller and reported here: to the game's `error`
// handler if it has one, else to console.error at most once per REPORT_INTERVAL_MS with the
// number suppressed since (a packet flood that hits a bug does not flood the log too).

export const REPORT_INTERVAL_MS = 1_000;

export class FaultReporter {
  private lastReportMs = -Infinity;
  private suppressed = 0;

  constructor(
    private readonly prefix: string,
    private readonly handler: ((err: unknown) => void) | undefined,
    private readonly clock: () => number = Date.now,
  ) {}

  report(what: string, err: unknown): void {
    if (this.handler) {
      try {
        this.handler(err);
      } catch {
        // The error handler itself threw: nothing more can be done with it.
      }
      return;
    }
    const nowMs = this.clock();
    if (nowMs - this.lastReportMs < REPORT_INTERVAL_MS) {
      this.suppressed++;
      return;
    }
    const more = this.suppressed > 0 ? ` (${this.suppressed} more since the last report)` : '';
    this.suppressed = 0;
    this.lastReportMs = nowMs;
    console.error(`${this.prefix}: ${what}${more}:`, err);
  }
}
