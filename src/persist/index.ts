// Persistence by schema: a game's declared store (game-save.ts) saved as entities and their
// components' fields, and restored from that, across changes to the declaration.
//
//   const bytes = saveGame(store, { skipTypes: ['player'] }); // capture + encode (ms for 100k entities)
//   await files.write('world.csav', bytes);                    // FileSaveStore: temp file, fsync, rename
//   const report = restoreGame(store, bytes);                  // decode + check everything, then copy in
//
// The format is in format.ts, the mapping rules of a restore (schema evolution) in game-save.ts,
// the stores in store.ts.

export * from './errors.js';
export * from './format.js';
export { decodeSave } from './decode.js';
export { encodeSave } from './encode.js';
export { FileSaveStore, MemorySaveStore, type SaveStore } from './store.js';
export { captureGame, saveGame, restoreGame, OWNER_FIELD, type GameSaveOptions, type GameRestoreReport } from './game-save.js';
