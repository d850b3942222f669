// The package's browser entry (`chronos/web`): what a declared game's page and the code it
// shares with its server (the declaration, rules written in TypeScript, a bot brain) import.
// Nothing here touches Node's modules, so a bundler can take it whole.

export { defineGame, fieldOf, typeOf, type Game, type GameDeclaration, type ComponentSpec, type FieldKey, type TypeName, type InputName } from '../core/game.js';
export type { GameFieldSpec, GameFieldType, Replication, RateClass, ApiValue } from '../core/game-fields.js';
export { GameStore, type GameStoreOptions, type SpawnValues, type StoredColumn } from '../core/game-store.js';
export { makeEntityId, slotOf, generationOf, type EntityId } from '../core/entity-id.js';
export { mulberry32 } from '../core/mulberry32.js';
export { GameInputCodec, type GameInput } from '../codec/game-input.js';
export { GameReplica, type DecodedGameSnapshot, type ReplicatedEntity } from '../codec/game-replica.js';
export { DeclaredPredictor, type DeclaredPredictorOptions, type DeclaredPredictorStats, type PredictableRules } from '../client/declared-predictor.js';
export { RemoteMotion, type RemoteMotionOptions, type Place } from '../client/remote-motion.js';
export { DeclaredClient, type DeclaredClientOptions, type DeclaredClientHandlers } from '../client/declared-client.js';
export { DeclaredRoomClient, type DeclaredRoomClientOptions, type DeclaredRoomClientHandlers, type RoomClientDropReason } from '../client/declared-room-client.js';
export type { RoomJoin } from '../codec/room-messages.js';
export type { BroadcastEvent } from '../codec/broadcast-event.js';
export { startDeclaredPage, type DeclaredPageOptions, type DeclaredDebugApi, type MapView, type PageTraceRun } from './declared-view.js';
export { startRoomPage, entityObject, type RoomPageOptions, type RoomDebugApi } from './room-view.js';
export { WasmGameRules, type WasmGameOptions } from '../rollback/wasm-game.js';
export { DeclaredRoomGame, type DeclaredRoomOptions } from '../rollback/declared-room.js';
export { DeclaredHitboxes, unwrapTick, type DeclaredHitboxOptions, type DeclaredHitboxCounters, type HitscanQuery, type HitscanHit, type Vec3M } from '../rollback/declared-hitboxes.js';
export type { HitShape } from '../rollback/hit-shapes.js';
export { traceDeclaredGame, type DeclaredTraceRun, type DeclaredTraceResult } from '../rollback/declared-trace.js';
