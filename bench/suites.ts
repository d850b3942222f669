// Every benchmark suite, by the name `npm run bench -- NAME` uses. Loaded lazily so one suite's
// peers are not imported when another runs.

import type { Suite } from './harness.js';

export const SUITES: Record<string, () => Promise<Suite>> = {
  fixed: async () => (await import('./fixed.js')).suite,
  spatial: async () => (await import('./spatial.js')).suite,
  rollback: async () => (await import('./rollback.js')).suite,
  net: async () => (await import('./net.js')).suite,
  interest: async () => (await import('./interest.js')).suite,
  server: async () => (await import('./server.js')).suite,
  persist: async () => (await import('./persist.js')).suite,
  game: async () => (await import('./game.js')).suite,
};
