// Lag compensation on /metrics, the same in both modes: hitscan claims by the verdict the
// compensator gave against its rewound hitbox history, read at scrape time.

import type { Registry } from 'prom-client';
import type { LagCompensator } from '../rollback/lag-compensation.js';
import { readCounter } from './metric-readers.js';

/** `compensator` is read at each scrape; undefined (a game without lag compensation) reports nothing. */
export function registerLagCompensationMetrics(registry: Registry, compensator: () => LagCompensator | undefined): void {
  readCounter(registry, 'chronos_lag_compensation_claims_total', 'Hitscan claims judged against the rewound hitbox history, by verdict', ['verdict'], () => {
    const lc = compensator();
    if (!lc) return [];
    return [
      [{ verdict: 'hit' }, lc.hits],
      [{ verdict: 'hit_within_tolerance' }, lc.hitsWithinTolerance],
      [{ verdict: 'miss' }, lc.misses],
      [{ verdict: 'rejected_beyond_cap' }, lc.rejectedBeyondCap],
      [{ verdict: 'rejected_no_history' }, lc.rejectedNoHistory],
    ];
  });
}
