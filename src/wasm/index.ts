export * from './loader.js';
export * from './kernels.js';
export * from './arena.js';
