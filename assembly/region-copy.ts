// Bulk copy between two ranges of the shared memory: a snapshot is one region_copy of the world
// region into a ring slot and a restore is one copy back (bulk-memory memory.copy, which the
// engine runs as a native memmove).

export function region_copy(dst: usize, src: usize, len: usize): void {
  memory.copy(dst, src, len);
}
