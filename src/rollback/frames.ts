// Frame numbering shared by the rollback layer. Frame f is the state after f steps; the input for
// frame f is what the step from f to f + 1 consumes. Frames are non-negative integers below
// 2^32 - 1 (the wire carries u32; 0xFFFFFFFF means "no frame"), i.e. 2.2 years at 60 Hz.

/** "No frame" in rings and counters (GGRS's NULL_FRAME). */
export const NULL_FRAME = -1;
/** Largest frame number the wire can carry. */
export const MAX_FRAME = 0xfffffffe;

export function isFrame(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_FRAME;
}
