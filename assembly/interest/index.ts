// Interest management: only the kernel file is re-exported (layout, state and helper files hold
// constants and functions that must not become wasm exports).

export * from './kernels';
