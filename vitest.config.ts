import { defineConfig } from 'vitest/config';

const shared = {
  testTimeout: 30_000,
  hookTimeout: 60_000,
  // Forks give each file its own process: servers, sockets and Chromium never share state.
  pool: 'forks' as const,
};

export default defineConfig({
  test: {
    projects: [
      { test: { ...shared, name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/e2e/**'], sequence: { groupOrder: 0 } } },
      // The browser tests run after the rest, one file at a time: two Chromiums and their servers
      // do not share a 2-core machine well. No retries here: every browser test waits for what
      // the page reports (frames, counters), not for wall-clock time, so a loaded host makes it
      // slower, never red. The one exception, the hitscan test, carries its own `retry`.
      { test: { ...shared, name: 'e2e', include: ['test/e2e/**/*.test.ts'], fileParallelism: false, sequence: { groupOrder: 1 } } },
    ],
  },
});
