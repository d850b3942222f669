// The one WebAssembly module shared by the server and the browser. Every kernel family lives in
// its own file and is re-exported here. Kernels never allocate (the runtime is `stub`): they
// work on (pointer, count) arguments into the shared memory that TypeScript lays out, and use
// `memory.data` for any fixed scratch space.

export * from './fixed';
export * from './vec3';
export * from './hash';
export * from './rng';
export * from './world';
export * from './npc';
export * from './spatial/index';
export * from './region-copy';
export * from './codec/index';
export * from './interest/index';

// First byte after the module's static data: the arena in src/wasm starts here (16-aligned).
export function heap_base(): usize {
  return __heap_base;
}
