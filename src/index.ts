// Public entry point of the chronos package (Node). Layers, bottom up: core and wasm, then the
// spatial engine, the network layer, interest management and rollback, then the server.
export * from './core/index.js';
export * from './wasm/index.js';
export * from './spatial/index.js';
export * from './net/index.js';
export * from './net/node.js';
export * from './interest/index.js';
export * from './rollback/index.js';
export { SnapshotView } from './codec/snapshot-view.js';
export {
  encodeSave, decodeSave, FileSaveStore, MemorySaveStore, SaveError, InvalidSaveError, SaveMismatchError, SaveStoreError,
  type SaveStore, type SaveContent, type InvalidSaveReason,
} from './persist/index.js';
export { GameClient, type GameClientHandlers, type GameClientOptions, type GameClientStats } from './client/game-client.js';
export { GameReplicator, type GameReplicatorOptions, type GameReplicatorCounters } from './codec/game-snapshot.js';
export { UpdateZones, MAX_UPDATE_PERIOD, type UpdateBand, type UpdateZonesSpec } from './codec/update-zones.js';
export { GameReplica, type GameReplicaOptions, type DecodedGameSnapshot, type ReplicatedEntity } from './codec/game-replica.js';
export { GameInputCodec, type GameInput, type InputPacking } from './codec/game-input.js';
export { captureGame, saveGame, restoreGame, type GameSaveOptions, type GameRestoreReport } from './persist/index.js';
export { DeclaredServer, type DeclaredServerOptions } from './server/declared-server.js';
export type { DeclaredEvent, EmitResult } from './server/declared-events.js';
export { threadsForCores } from './server/declared-server-options.js';
export { DeclaredRoomServer, type DeclaredRoomServerOptions } from './server/declared-room-server.js';
export type { DeclaredGameModule } from './server/declared-game.js';
export { wasmGameModule, type WasmGameModuleOptions } from './server/declared-wasm.js';
export { connectUdp, udpConnectorFrom } from './client/udp-connector.js';
export { fetchFrom } from './client/local-fetch.js';
export { DeclaredPredictor, type DeclaredPredictorOptions, type DeclaredPredictorStats, type PredictableRules } from './client/declared-predictor.js';
export { RemoteMotion, type RemoteMotionOptions, type Place } from './client/remote-motion.js';
export { DeclaredClient, type DeclaredClientOptions, type DeclaredClientHandlers, type DeclaredClientStats } from './client/declared-client.js';
export { DeclaredRoomClient, type DeclaredRoomClientOptions, type DeclaredRoomClientHandlers, type RoomClientDropReason } from './client/declared-room-client.js';
export { DeclaredRoomBots, MAX_ROOM_BOTS, type DeclaredRoomBotsOptions, type DeclaredRoomBotsTotals } from './client/declared-room-bots.js';
export { decodeRoomJoin, encodeRoomJoin, type RoomJoin } from './codec/room-messages.js';
export { DeclaredBots, MAX_BOTS, type DeclaredBotsOptions, type DeclaredBotsTotals } from './client/declared-bots.js';
export { runDeclaredLoad, type DeclaredLoadOptions, type DeclaredLoadReport } from './client/declared-load.js';
export { botSlice, forkBots, BOT_SLICE_ENV, MAX_BOT_PROCESSES, type BotSlice } from './client/bot-processes.js';
export { securityFlags, SECURITY_FLAGS, SECURITY_USAGE } from './server/server-flags.js';
export { startOrExit, type ProgramIo } from './server/server-program.js';
export { ScriptArgs, botScriptArgs, type BotScriptArgs, type NumberRule } from './server/script-args.js';
