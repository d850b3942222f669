// The AssemblyScript a game's rules are written against, generated from its declaration by
// `chronos build` (game-build.ts), and the entry that compiles those rules and the engine's
// kernels into ONE module.
//
// The generated module (assembly/generated/game.ts in the game's directory) gives the game:
//   Type.<type>                 the type column's value of each entity type (index + 1)
//   <component>.<field>(slot)   a field's stored value: i32 (q16 as Q16.16, i32), u32 (u32,
//   <component>.set<Field>(s,v) enum index) or bool; the setter stores it as it is (the wire
//                               clamps codes into the declared range). A slot past the store
//                               (spawn's NO_ENTITY) reads 0 and is not written: no access
//                               leaves the store
//   <component>.<FIELD>_<VALUE> an enum field's values
//   Input.<field>()             the current player's input, stored form, while control() runs
//   spawn(type, owner)          an entity with its type's fields at their declared defaults
//   and the store's own helpers (assembly/game/store.ts: despawn, slotOf, typeAt, highWater ...)
//   emitEvent(kind, x, y, z, range, a, b, c, d, bytes)
//                               an event for the players within range (assembly/game/events.ts;
//                               EVERYONE: all), which the server sends after the step
//   and the engine's fixed-point math (assembly/fixed.ts: fx_mul, fx_sqrt, fx_sin ...).
// The game's assembly/index.ts exports its rules: setup(seed), join(player): id, leave(player,
// avatar), control(avatar), step(frame). The entry wraps them as chronos_game_* exports beside
// every kernel of chronos.wasm, so the TypeScript side (src/rollback/wasm-game.ts) loads the
// game's module exactly as it loads chronos.wasm; chronos_game_events* hand it the events the
// rules emitted.
//
// Every name spliced into the source comes from a checked declaration (defineGame allows
// letters, digits and _ only) or is checked here; enum values are turned into identifiers.

import { InvalidArgumentError } from '../core/errors.js';
import type { Game } from '../core/game.js';
import type { FieldPlan } from '../core/game-fields.js';

/** The rule functions a game's assembly/index.ts must export, and their wrappers in the module. */
export const GAME_RULES = ['setup', 'join', 'leave', 'control', 'step'] as const;

// Words no generated name may be: AssemblyScript / TypeScript reserved words, types and the
// builtins the generated members call.
const KEYWORDS = new Set([
  'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'default', 'delete', 'do', 'else', 'enum', 'export',
  'extends', 'false', 'finally', 'for', 'function', 'if', 'import', 'in', 'instanceof', 'new', 'null', 'return', 'super',
  'switch', 'this', 'throw', 'true', 'try', 'typeof', 'var', 'void', 'while', 'with', 'as', 'implements', 'interface',
  'let', 'package', 'private', 'protected', 'public', 'static', 'yield', 'namespace', 'declare', 'type', 'module',
  'abstract', 'i8', 'i16', 'i32', 'i64', 'u8', 'u16', 'u32', 'u64', 'f32', 'f64', 'bool', 'usize', 'isize', 'v128',
  'load', 'store', 'inStore', 'inputWord', 'unreachable', 'changetype', 'sizeof', 'offsetof', 'assert', 'abort', 'trace', 'memory', 'Math',
]);
// And a component (a top-level namespace) must not be one of the module's own names.
const TOP_LEVEL = new Set([
  ...KEYWORDS, 'Type', 'Input', 'spawn', 'bindColumns', 'bindCurrentInput', 'bindStore', 'bindInput', 'fieldColumn', 'capacity',
  'alive', 'highWater', 'frame', 'typeAt', 'ownerAt', 'setOwnerAt', 'slotOf', 'idAt', 'isAlive', 'allocate', 'despawn', 'NO_ENTITY',
  'emitEvent', 'EVERYONE', 'EVENT_CAPACITY', 'EVENT_PAYLOAD_BYTES', 'EVENT_WORDS', 'eventsAt', 'eventCount', 'eventsDropped', 'eventsRefused', 'clearEvents',
]);

const upperFirst = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** An enum value as an identifier: 'fall-back' -> FALL_BACK, '2x' -> _2X. */
function enumConstant(value: string): string {
  const id = value.toUpperCase().replace(/[^A-Z0-9_]+/g, '_');
  return /^[0-9]/.test(id) ? `_${id}` : id;
}

function storedType(f: FieldPlan): 'i32' | 'u32' | 'bool' {
  if (f.spec.type === 'bool') return 'bool';
  return f.signed ? 'i32' : 'u32';
}

/** Checks that the names of one generated scope are usable and distinct. */
function scope(what: string, reserved: ReadonlySet<string> = KEYWORDS): (name: string) => string {
  const seen = new Set<string>();
  return (name) => {
    if (reserved.has(name) || name.startsWith('__')) throw new InvalidArgumentError(`${what}: "${name}" is a reserved word in the game's AssemblyScript; rename it`);
    if (seen.has(name)) throw new InvalidArgumentError(`${what}: two generated names are both "${name}"; rename one`);
    seen.add(name);
    return name;
  };
}

/**
 * The generated module's source. `engine` is the import path of the engine's assembly/ folder
 * as seen from the generated file (relative, no extension).
 */
export function generateGameAssembly(game: Game, engine: string): string {
  const out: string[] = [];
  const topLevel = scope(`${game.name} components`, TOP_LEVEL);
  out.push(
    `// Generated by \`chronos build\` from the declaration of "${game.name}" (fingerprint ${game.fingerprint >>> 0}): do not edit.`,
    '// What it gives the game\'s rules is described in the engine\'s src/server/game-assembly.ts. The rules',
    '// allocate nothing (the runtime is stub: scratch space is memory.data) and keep every bit of',
    '// state in the store, so the rollback tools can check them.',
    '',
    `import { allocate, bindStore, bindInput, fieldColumn, idAt, inputWord, inStore, NO_ENTITY } from '${engine}/game/store';`,
    `export * from '${engine}/game/store';`,
    `export * from '${engine}/game/events';`,
    `export * from '${engine}/fixed';`,
    '',
    '/** Each entity type\'s value in the type column (0: an empty slot). */',
    'export namespace Type {',
  );
  const typeNames = scope(`${game.name} types`);
  for (const t of game.types) out.push(`  export const ${typeNames(t.name)}: u32 = ${t.index + 1};`);
  out.push('}', '');

  // Field columns: one global per field, set when the store is bound.
  game.fields.forEach((_f, i) => out.push(`let __col${i}: usize = 0;`));
  out.push('', '/** Binds the store region and every field column (the entry calls it once). */', 'export function bindColumns(base: usize, capacity: u32): void {', '  bindStore(base, capacity);');
  game.fields.forEach((_f, i) => out.push(`  __col${i} = fieldColumn(${i});`));
  out.push('}', '');

  for (const c of game.components) {
    const members = scope(`component ${c.name}`);
    out.push(`export namespace ${topLevel(c.name)} {`);
    for (const fi of c.fields) {
      const f = game.fields[fi]!;
      const field = f.name.slice(c.name.length + 1);
      const t = storedType(f);
      const at = `__col${fi} + (<usize>slot << 2)`;
      // A unit is free text: kept to what cannot end the comment it goes in.
      const unit = f.spec.unit ? ` (${String(f.spec.unit).replace(/[^\w .,/%°^-]/g, '').replace(/\*\//g, '')})` : '';
      out.push(`  /** ${f.name}: ${f.spec.type}${unit}, replicated to ${f.replicate}. */`);
      if (t === 'bool') {
        out.push(`  @inline export function ${members(field)}(slot: u32): bool { return inStore(slot) && load<u32>(${at}) != 0; }`);
        out.push(`  @inline export function ${members(`set${upperFirst(field)}`)}(slot: u32, value: bool): void { if (inStore(slot)) store<u32>(${at}, value ? 1 : 0); }`);
      } else {
        out.push(`  @inline export function ${members(field)}(slot: u32): ${t} { return inStore(slot) ? load<${t}>(${at}) : 0; }`);
        out.push(`  @inline export function ${members(`set${upperFirst(field)}`)}(slot: u32, value: ${t}): void { if (inStore(slot)) store<${t}>(${at}, value); }`);
      }
      if (f.spec.type === 'enum') {
        f.spec.values!.forEach((v, i) => out.push(`  export const ${members(`${field.toUpperCase()}_${enumConstant(v)}`)}: u32 = ${i};`));
      }
    }
    out.push('}', '');
  }

  if (game.input.length > 0) {
    const members = scope('input');
    out.push('/** The input of the player whose avatar control() was called for, stored form. */', 'export namespace Input {');
    game.input.forEach((f, i) => {
      const name = f.name.slice('input.'.length);
      const t = storedType(f);
      const read = t === 'bool' ? `inputWord(${i}) != 0` : t === 'u32' ? `<u32>inputWord(${i})` : `inputWord(${i})`;
      out.push(`  @inline export function ${members(name)}(): ${t} { return ${read}; }`);
      if (f.spec.type === 'enum') f.spec.values!.forEach((v, k) => out.push(`  export const ${members(`${name.toUpperCase()}_${enumConstant(v)}`)}: u32 = ${k};`));
    });
    out.push('}', '');
  }

  out.push(
    '/** An entity of `type` (Type.<name>) owned by `owner`, its fields at their defaults: its id, or NO_ENTITY when the store is full. */',
    'export function spawn(type: u32, owner: u32 = 0): u32 {',
    '  const slot = allocate(type, owner);',
    '  if (slot < 0) return NO_ENTITY;',
    '  const at = <usize>slot << 2;',
    '  switch (type) {',
  );
  for (const t of game.types) {
    out.push(`    case ${t.index + 1}:`);
    for (const ci of t.components) {
      for (const fi of game.components[ci]!.fields) out.push(`      store<i32>(__col${fi} + at, ${game.fields[fi]!.initial | 0});`);
    }
    out.push('      break;');
  }
  out.push('    default:', '      break;', '  }', '  return idAt(<u32>slot);', '}', '');
  out.push('/** Where control() reads the current input (the entry sets it). */', 'export function bindCurrentInput(ptr: usize): void {', '  bindInput(ptr);', '}', '');
  return out.join('\n');
}

/**
 * The module's entry: the engine's kernels (everything chronos.wasm exports) and the game's
 * rules behind fixed names. Paths are relative to the entry file, without extension.
 */
export function generateGameEntry(engineIndex: string, generated: string, rules: string): string {
  return [
    '// Generated by `chronos build`: the engine\'s kernels and this game\'s rules in one module. Do not edit.',
    '',
    `export * from '${engineIndex}';`,
    `import { bindColumns, bindCurrentInput, clearEvents, eventCount, eventsAt, eventsDropped, eventsRefused } from '${generated}';`,
    `import { ${GAME_RULES.join(', ')} } from '${rules}';`,
    '',
    'export function chronos_game_bind(base: usize, capacity: u32): void { bindColumns(base, capacity); }',
    'export function chronos_game_setup(seed: u32): void { setup(seed); }',
    'export function chronos_game_join(player: u32): u32 { return join(player); }',
    'export function chronos_game_leave(player: u32, avatar: u32): void { leave(player, avatar); }',
    'export function chronos_game_control(avatar: u32, input: usize): void { bindCurrentInput(input); control(avatar); }',
    'export function chronos_game_step(frame: u32): void { step(frame); }',
    'export function chronos_game_events_at(): usize { return eventsAt(); }',
    'export function chronos_game_event_count(): u32 { return eventCount(); }',
    'export function chronos_game_events_dropped(): u32 { return eventsDropped(); }',
    'export function chronos_game_events_refused(): u32 { return eventsRefused(); }',
    'export function chronos_game_clear_events(): void { clearEvents(); }',
    '',
  ].join('\n');
}
