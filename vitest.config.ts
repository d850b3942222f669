import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Forks give each file its own process: servers, sockets and Chromium never share state.
    pool: 'forks',
  },
});
