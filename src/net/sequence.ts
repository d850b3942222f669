// Sequence numbers. Packet sequences are 64-bit counters kept as JS numbers (exact below 2^53:
// at a million packets a second that is 285 years), sent as their low 32 bits and rebuilt on
// receipt as the value nearest to what the receiver expects. A gap of 2^31 packets would be
// needed to pick the wrong one. Message ids are 16 bits on the wire, rebuilt the same way.

const TWO_32 = 4294967296;
const HALF_32 = 2147483648;

/** The 64-bit sequence whose low 32 bits are `low32` and which lies nearest to `expected`. */
export function reconstructSequence(low32: number, expected: number): number {
  const base = expected - (expected >>> 0);
  let candidate = base + low32;
  if (candidate - expected > HALF_32 && candidate >= TWO_32) candidate -= TWO_32;
  else if (expected - candidate > HALF_32) candidate += TWO_32;
  return candidate;
}

/** The counter whose low 16 bits are `low16` and which lies nearest to `expected`. */
export function reconstructId16(low16: number, expected: number): number {
  const base = expected - (expected & 0xffff);
  let candidate = base + low16;
  if (candidate - expected > 0x8000 && candidate >= 0x10000) candidate -= 0x10000;
  else if (expected - candidate > 0x8000) candidate += 0x10000;
  return candidate;
}
