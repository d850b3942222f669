// Rollback: deterministic prediction and reconciliation on one WebAssembly simulation.
//
// How the pieces fit (design note)
// --------------------------------
// The game is a RollbackGame: one contiguous state region in the arena and a deterministic step
// over it that reads one fixed-size input record per player (game.ts; a declared game's room is
// DeclaredRoomGame, declared-room.ts, over the game's store and its own module). Because the
// server and every browser run the same module, the same state and inputs give the same bytes
// everywhere; the rollback layer only has to agree on inputs.
//
// Server (RollbackServer, server-session.ts), once per tick at 60 Hz:
//   for each client message:   server.receive(player, bytes)   // INPUT packets, RESYNC requests
//   server.tick()                // inputs in (repeat-last if one is missing), claims resolved by
//                                // lag compensation, one step, the frame's inputs logged
//   for each client:
//     if (server.wantsState(p)) send(p, server.stateFor(p))      // reliable channel
//     send(p, server.confirmedFor(p))                            // every player's confirmed inputs
//   send to all: server.hashMessage()                            // every hashEveryFrames frames
//
// Client (RollbackClient, client-session.ts — the "PredictedWorld"), every animation frame:
//   for each message from the server: client.receive(bytes, now)  // STATE, CONFIRMED, HASH
//   client.setInputRecord(room.record(input))  // WASD + mouse, sampled now, as the game's record
//   client.update(now)            // runs the frames the time sync asks for; a confirmation that
//                                 // differs from the prediction rolls back and re-simulates first
//   send(client.takeInputPacket(now))   // the newest inputs, repeated until acknowledged
//   send(client.takeResync())           // when a hash disagreed or a rollback was out of reach
//   draw: the game's store, as predicted (a room's page draws its own entities from it)
//   overlay: client.stats()    // rollbacks, depth, RTT, speed, hash checks
//
// Underneath: SyncLayer (sync-layer.ts) is the GGRS-style core that returns save/load/advance
// requests; SnapshotRing the 128-frame ring of region copies; InputQueue the per-player input
// ring; TimeSync the clock estimate and bounded time dilation; VisualSmoother the correction
// classes; DeclaredHitboxes the rewound hit tests of a declared game; SnapshotInterpolator draws
// entities from received snapshots; SyncTestSession re-simulates every frame to prove
// determinism. Wire formats are in src/codec/rollback-input-format.ts (a game's records) and
// rollback-messages.ts.

export * from './frames.js';
export * from './game.js';
export * from './region-kernels.js';
export * from './snapshot-ring.js';
export * from './input-queue.js';
export * from './requests.js';
export * from './sync-layer.js';
export * from './time-sync.js';
export * from './smoothing.js';
export * from './interpolation.js';
export * from './client-session.js';
export * from './server-session.js';
export * from './sync-test.js';
export * from './declared-rollback.js';
export * from './declared-room.js';
export * from './wasm-game.js';
export * from './declared-trace.js';
export * from './declared-hitboxes.js';
export { rayShape, shapeParams, type HitShape, type ShapeParams } from './hit-shapes.js';
