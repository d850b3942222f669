// Waiting for what a server, a client or a page does in its own time: poll a check until it
// holds, or fail naming what was awaited once the deadline has passed.

export type Until = (what: string, check: () => boolean | Promise<boolean>, timeoutMs?: number) => Promise<void>;

/** An `until` that polls `check` every `pollMs` and throws `timed out waiting for <what>` after `timeoutMs` (default `defaultTimeoutMs`). */
export function waiter(defaultTimeoutMs: number, pollMs: number): Until {
  return async (what, check, timeoutMs = defaultTimeoutMs) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, pollMs));
    }
  };
}
