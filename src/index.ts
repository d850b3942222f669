// Public entry point of the chronos package.
export * from './core/index.js';
export * from './wasm/index.js';
export * from './spatial/index.js';
export { GameServer, type GameServerOptions } from './server/game-server.js';
