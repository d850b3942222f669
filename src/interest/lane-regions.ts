// Each lane's own arena regions (scratch, discovery stamps, viewer grid, fast and lifecycle
// lists, event pairs) and its descriptor in the lane table (layout.ts, L).

import type { Region } from '../wasm/arena.js';
import type { InterestKernels } from './kernels.js';
import { DEAD_BYTES, GRID_ITEM_BYTES, L, LANE_BYTES } from './layout.js';
import type { ResolvedInterestOptions } from './options.js';

/** Allocates every lane's regions through `region` and fills the lane table. */
export function setUpLanes(
  k: InterestKernels, o: ResolvedInterestOptions, sourceCapacity: number, laneTable: Region,
  region: (suffix: string, bytes: number) => Region,
): void {
  const cap = sourceCapacity;
  const perLane = Math.ceil(o.maxClients / o.lanes);
  const gridBits = Math.max(4, Math.ceil(Math.log2(perLane * 2)));
  const lanes = laneTable.view('u32', 0, (o.lanes * LANE_BYTES) / 4);
  for (let l = 0; l < o.lanes; l++) {
    const w = (l * LANE_BYTES) / 4;
    const scratch = region(`lane${l}:scratch`, k.interest_lane_scratch_bytes(o.viewCapacity, perLane));
    const stamps = region(`lane${l}:stamps`, cap);
    const bucketStamps = region(`lane${l}:bucket-stamps`, (1 << gridBits) * 4);
    const starts = region(`lane${l}:grid-starts`, ((1 << gridBits) + 1) * 4);
    const items = region(`lane${l}:grid-items`, (perLane + 1) * GRID_ITEM_BYTES);
    const fast = region(`lane${l}:fast`, o.fastListPerLane * 4);
    const dead = region(`lane${l}:lifecycle`, o.lifecycleListPerLane * DEAD_BYTES);
    const pairs = region(`lane${l}:event-pairs`, o.eventPairsPerLane * 8);
    const reliable = region(`lane${l}:reliable`, o.eventPairsPerLane * 8);
    const set = (field: keyof typeof L, v: number): void => {
      lanes[w + L[field] / 4] = v;
    };
    set('scratch', scratch.ptr);
    set('scratchBytes', scratch.byteLength);
    set('stamps', stamps.ptr);
    set('gridStarts', starts.ptr);
    set('gridBits', gridBits);
    set('gridItems', items.ptr);
    set('bucketStamps', bucketStamps.ptr);
    set('fast', fast.ptr);
    set('fastCap', o.fastListPerLane);
    set('dead', dead.ptr);
    set('deadCap', o.lifecycleListPerLane);
    set('pairs', pairs.ptr);
    set('pairsCap', o.eventPairsPerLane);
    set('reliable', reliable.ptr);
    set('reliableCap', o.eventPairsPerLane);
  }
}
