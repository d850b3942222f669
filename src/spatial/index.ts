export * from './spatial-index.js';
export * from './result.js';
export * from './batch-query.js';
export * from './frustum.js';
export * from './frustum-cull.js';
export * from './options.js';
export * from './kernels.js';
export { SPATIAL_VERSION, MAX_LEVELS as SPATIAL_MAX_LEVELS, MAX_DEPTH as SPATIAL_MAX_DEPTH } from './layout.js';
