// Ordering a client's due entries by priority key, descending: insertion sort for the usual
// handful, an LSD radix sort on the keys' f32 bits (four 8-bit passes) above INSERTION_MAX.

import { t_V } from './state';

/** Sorting by insertion below this many entries, radix above. */
const INSERTION_MAX: u32 = 48;

/** Orders idx[0..n) by keys (f64, same order) descending. */
export function sort_desc(idx: usize, keys: usize, n: u32, work: usize): void {
  if (n <= INSERTION_MAX) {
    for (let i: u32 = 1; i < n; i++) {
      const k = load<f64>(keys + (<usize>i << 3));
      const h = load<u32>(idx + (<usize>i << 2));
      let j = i;
      while (j > 0 && load<f64>(keys + (<usize>(j - 1) << 3)) < k) {
        store<f64>(keys + (<usize>j << 3), load<f64>(keys + (<usize>(j - 1) << 3)));
        store<u32>(idx + (<usize>j << 2), load<u32>(idx + (<usize>(j - 1) << 2)));
        j--;
      }
      store<f64>(keys + (<usize>j << 3), k);
      store<u32>(idx + (<usize>j << 2), h);
    }
    return;
  }
  // LSD radix sort on the inverted f32 bits of the (non-negative) keys: four 8-bit passes.
  const v = t_V;
  let ka = work, kb = work + (<usize>v << 2);
  let ia = idx, ib = work + (<usize>v << 3);
  const counts = work + <usize>v * 12;
  for (let i: u32 = 0; i < n; i++) {
    store<u32>(ka + (<usize>i << 2), ~reinterpret<u32>(<f32>load<f64>(keys + (<usize>i << 3))));
  }
  for (let pass: u32 = 0; pass < 4; pass++) {
    const shift = pass * 8;
    for (let b: usize = 0; b < 1024; b += 16) v128.store(counts + b, i32x4.splat(0));
    for (let i: u32 = 0; i < n; i++) {
      const at = counts + (<usize>((load<u32>(ka + (<usize>i << 2)) >> shift) & 0xff) << 2);
      store<u32>(at, load<u32>(at) + 1);
    }
    let sum: u32 = 0;
    for (let b: u32 = 0; b < 256; b++) {
      const at = counts + (<usize>b << 2);
      const c = load<u32>(at);
      store<u32>(at, sum);
      sum += c;
    }
    for (let i: u32 = 0; i < n; i++) {
      const key = load<u32>(ka + (<usize>i << 2));
      const at = counts + (<usize>((key >> shift) & 0xff) << 2);
      const pos = load<u32>(at);
      store<u32>(at, pos + 1);
      store<u32>(kb + (<usize>pos << 2), key);
      store<u32>(ib + (<usize>pos << 2), load<u32>(ia + (<usize>i << 2)));
    }
    const tk = ka; ka = kb; kb = tk;
    const ti = ia; ia = ib; ib = ti;
  }
  // Four passes: the result is back in idx.
}
