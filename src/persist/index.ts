// Persistence by schema: a World (or a game's declared store, game-save.ts) saved as entities
// and components, and restored from that.
//
//   const bytes = saveWorld(world);                 // capture + encode (a few ms for 100k entities)
//   await store.write('world.csav', bytes);         // FileSaveStore: temp file, fsync, rename
//   const report = restoreWorld(world, bytes);      // decode + check everything, then copy in
//
// The format is in format.ts, what is saved (and why avatars are not) in world-model.ts, the
// mapping rules of a restore (schema evolution) in restore.ts, the stores in store.ts.

import type { World } from '../core/world.js';
import { decodeSave } from './decode.js';
import { encodeSave } from './encode.js';
import { applyRestore, planRestore, type RestoreOptions, type RestoreReport } from './restore.js';
import { captureWorld, type CaptureOptions } from './world-model.js';

export * from './errors.js';
export * from './format.js';
export { decodeSave } from './decode.js';
export { encodeSave } from './encode.js';
export { captureWorld, WORLD_KINDS, WORLD_HEADER_VALUES, NO_OWNER, type CaptureOptions, type EntityKind, type HeaderRole, type HeaderValue } from './world-model.js';
export { planRestore, applyRestore, type RestoreOptions, type RestorePlan, type RestoreReport } from './restore.js';
export { FileSaveStore, MemorySaveStore, type SaveStore } from './store.js';
export { captureGame, saveGame, restoreGame, OWNER_FIELD, type GameSaveOptions, type GameRestoreReport } from './game-save.js';

/** The world as save bytes. Reads the world; changes nothing. */
export function saveWorld(world: World, options: CaptureOptions = {}): Uint8Array {
  return encodeSave(captureWorld(world, { borrow: true, ...options }), 64 + world.aliveCount * 32);
}

/**
 * Replaces the world's entities and state with the save's. Every check runs first: on any
 * error (InvalidSaveError, SaveMismatchError) the world is exactly as it was.
 */
export function restoreWorld(world: World, bytes: Uint8Array, options: RestoreOptions = {}): RestoreReport {
  const plan = planRestore(decodeSave(bytes), world, options);
  applyRestore(plan, world);
  return plan.report;
}

/** One line for a log: what was restored, and what was left out or changed. */
export function describeRestore(report: RestoreReport): string {
  const kinds = Object.entries(report.byKind).map(([k, n]) => `${n} ${k}`).join(', ') || 'no entities';
  const when = report.savedAt !== undefined ? ` written ${new Date(report.savedAt).toISOString()}` : '';
  const parts = [`tick ${report.tick}, ${kinds} (save format ${report.formatVersion}${when})`];
  const unsaved = Object.entries(report.unsaved).filter(([, n]) => n > 0);
  if (unsaved.length) parts.push(`not saved: ${unsaved.map(([k, n]) => `${n} ${k}`).join(', ')}`);
  if (report.skippedKinds.length) parts.push(`left out (kinds unknown here): ${report.skippedKinds.map((k) => `${k.count} ${k.name}`).join(', ')}`);
  if (report.defaultedFields.length) parts.push(`fields defaulted: ${report.defaultedFields.join(', ')}`);
  if (report.ignoredFields.length) parts.push(`fields ignored: ${report.ignoredFields.join(', ')}`);
  if (report.convertedFields.length) parts.push(`fields converted: ${report.convertedFields.join(', ')}`);
  if (report.ruleDifferences.length) parts.push(`rules differ from the save, this server's kept: ${report.ruleDifferences.map((d) => `${d.name} ${d.current} (save ${d.saved})`).join(', ')}`);
  return parts.join('; ');
}
