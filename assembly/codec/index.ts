// Codec: only the kernel file is re-exported (bits.ts, quantize.ts and the snapshot files hold
// inline helpers and constants that must not become wasm exports).

export * from './kernels';
