// Layout of a lane's scratch block (bytes), derived from the view capacity V and the most
// clients one lane holds; TypeScript sizes the block with interest_lane_scratch_bytes.
// | part        | bytes            | use                                                   |
// |-------------|------------------|-------------------------------------------------------|
// | geometry    | GEO_BYTES        | the current client's shapes, scaled for enter / leave |
// | due         | 4 V              | handles due this tick (client being worked on)        |
// | keys        | 8 V              | their priority keys                                   |
// | period      | 4 V              | period per handle (ticks) from its evaluation         |
// | next due    | 4 V              | handles due this tick of the next client (prepared)   |
// | sort        | 12 V + 1024      | radix sort: keys, keys', handles' and 256 counters    |
// | record      | 48               | the record being encoded                              |
// | candidates  | 4 (clients + 4)  | clients a grid lookup returned                        |

import { GEO_BYTES } from './geometry';

// @ts-ignore: decorator
@inline
export function sc_due(scratch: usize): usize {
  return scratch + GEO_BYTES;
}

// @ts-ignore: decorator
@inline
export function sc_keys(scratch: usize, v: u32): usize {
  return scratch + GEO_BYTES + (<usize>v << 2);
}

// @ts-ignore: decorator
@inline
export function sc_period(scratch: usize, v: u32): usize {
  return scratch + GEO_BYTES + (<usize>v * 12);
}

// @ts-ignore: decorator
@inline
export function sc_next_due(scratch: usize, v: u32): usize {
  return scratch + GEO_BYTES + (<usize>v << 4);
}

// @ts-ignore: decorator
@inline
export function sc_sort(scratch: usize, v: u32): usize {
  return scratch + GEO_BYTES + (<usize>v * 20);
}

// @ts-ignore: decorator
@inline
export function sc_rec(scratch: usize, v: u32): usize {
  return sc_sort(scratch, v) + <usize>v * 12 + 1024;
}

// @ts-ignore: decorator
@inline
export function sc_candidates(scratch: usize, v: u32): usize {
  return sc_rec(scratch, v) + 48;
}

export function scratch_bytes(v: u32, clientsPerLane: u32): u32 {
  return <u32>(sc_candidates(0, v) + (<usize>(clientsPerLane + 4) << 2));
}
