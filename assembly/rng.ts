// xoshiro128** (Blackman and Vigna, https://prng.di.unimi.it/xoshiro128starstar.c): a small,
// fast PRNG whose 16-byte state lives inside the simulation region, so a snapshot captures it
// and a rollback replays the same draws. Seeded through splitmix32 so no seed gives the
// all-zero state.

// @ts-ignore: decorator
@inline
function splitmix32(x: u32): u32 {
  x += 0x9E3779B9;
  x = (x ^ (x >> 16)) * 0x21F0AAAD;
  x = (x ^ (x >> 15)) * 0x735A2D97;
  return x ^ (x >> 15);
}

export function rng_seed(state: usize, seed: u32): void {
  let s = seed;
  for (let i: usize = 0; i < 4; i++) {
    s += 0x9E3779B9;
    store<u32>(state + (i << 2), splitmix32(s));
  }
}

export function rng_next(state: usize): u32 {
  const s0 = load<u32>(state, 0);
  let s1 = load<u32>(state, 4);
  let s2 = load<u32>(state, 8);
  let s3 = load<u32>(state, 12);
  const result = rotl<u32>(s1 * 5, 7) * 9;
  const t = s1 << 9;
  s2 ^= s0;
  s3 ^= s1;
  s1 ^= s2;
  const n0 = s0 ^ s3;
  s2 ^= t;
  s3 = rotl<u32>(s3, 11);
  store<u32>(state, n0, 0);
  store<u32>(state, s1, 4);
  store<u32>(state, s2, 8);
  store<u32>(state, s3, 12);
  return result;
}

// Uniform integer in [lo, hi] (inclusive; hi >= lo) by multiply-shift (Lemire). The span is
// formed in 64 bits so ranges wider than 2^31 (a whole 64 km world in Q16) do not overflow.
export function rng_range(state: usize, lo: i32, hi: i32): i32 {
  const span = <u64>(<i64>hi - <i64>lo) + 1;
  return <i32>(<i64>lo + <i64>((<u64>rng_next(state) * span) >> 32));
}
