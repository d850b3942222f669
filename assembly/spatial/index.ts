// The spatial engine's kernels: an adaptive hierarchical hash grid over Q16 position columns
// (layout.ts), its batch update, exact queries (radius, box, k nearest, ray) single and
// batched, and SIMD frustum culling. Only the kernel files are re-exported; layout.ts, grid.ts
// and scan.ts hold constants and helpers that must not become wasm exports.

export * from './update';
export * from './query';
export * from './knn';
export * from './ray';
export * from './frustum';
export * from './stats';
