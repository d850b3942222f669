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
      // The browser tests run after the rest, one file at a time: two Chromiums, their servers
      // and a timing-sensitive hitscan test do not share a 2-core machine well. A failed one is
      // tried again (twice at most): on a host loaded by others, a page can stall for seconds,
      // and lag compensation then rightly judges its late shots misses.
      { test: { ...shared, name: 'e2e', include: ['test/e2e/**/*.test.ts'], fileParallelism: false, retry: 2, sequence: { groupOrder: 1 } } },
    ],
  },
});
