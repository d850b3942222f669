// A declared game whose rules are its own AssemblyScript, compiled with the engine's kernels into
// one module by `chronos build` (src/server/game-build.ts). This is the TypeScript side: it lays
// the game's store out in the module's arena, binds it, and calls the rules the module exports
// (chronos_game_setup / join / leave / control / step). The server, the rollback layer's tools
// and the browser all drive a game through it, over the same bytes.
//
//   const rules = await WasmGameRules.load(GAME, { bytes, capacity: 1200 });
//   rules.setup(1);
//   const me = rules.join(1);
//   rules.control(me, { moveX: 1, moveY: 0 });
//   rules.step();
//   rules.takeEvents((event) => server.emit(event)); // what the rules emitted (emitEvent)

import { CapacityError, InvalidArgumentError, WasmLoadError } from '../core/errors.js';
import type { EntityId } from '../core/entity-id.js';
import type { Game, GameDeclaration } from '../core/game.js';
import { fromCode, toStored, type FieldPlan } from '../core/game-fields.js';
import { GameStore } from '../core/game-store.js';
import type { GameInput } from '../codec/game-input.js';
import { Arena, type Region } from '../wasm/arena.js';
import { loadChronos, type LoadOptions } from '../wasm/loader.js';

const NO_ENTITY = 0xffffffff;

/** What a game's module exports beside chronos.wasm's kernels (game-assembly.ts, the entry). */
interface GameExports {
  chronos_game_bind(base: number, capacity: number): void;
  chronos_game_setup(seed: number): void;
  chronos_game_join(player: number): number;
  chronos_game_leave(player: number, avatar: number): void;
  chronos_game_control(avatar: number, input: number): void;
  chronos_game_step(frame: number): void;
}
const GAME_EXPORTS = ['chronos_game_bind', 'chronos_game_setup', 'chronos_game_join', 'chronos_game_leave', 'chronos_game_control', 'chronos_game_step'] as const;

/** The event buffer's exports (assembly/game/events.ts); a module an older chronos build compiled has none. */
interface EventExports {
  chronos_game_events_at(): number;
  chronos_game_event_count(): number;
  chronos_game_events_dropped(): number;
  chronos_game_events_refused(): number;
  chronos_game_clear_events(): void;
}
const EVENT_EXPORTS = ['chronos_game_events_at', 'chronos_game_event_count', 'chronos_game_events_dropped', 'chronos_game_events_refused', 'chronos_game_clear_events'] as const;
/** Bytes an event takes in the module's buffer (assembly/game/events.ts: ten words). */
const EVENT_BYTES = 40;
const EVENT_PAYLOAD_BYTES = 16;
/** The range word of an event for every player. */
const EVERYONE = 0xffffffff;

/** An event the rules emitted, in the server's terms (DeclaredServer.emit takes it as it is). */
export interface GameEvent {
  readonly kind: number;
  /** Where, metres. */
  readonly x: number;
  readonly y: number;
  readonly z: number;
  /** Who hears it: players within this many metres (Infinity: everyone). */
  readonly rangeM: number;
  /** The game's bytes (a copy: 0 to 16 of them). */
  readonly payload: Uint8Array;
}

export interface WasmGameOptions {
  /** Most entities at once. */
  readonly capacity: number;
  /**
   * Seats of a rollback room (DeclaredRoomGame, at most 64): a u32 each after the store, in the
   * same region, holding each seat's avatar, so who is seated is part of the state (a snapshot,
   * a rollback, the hash). Default 0.
   */
  readonly seats?: number;
}

/** A field's stored form from its wire code (what a checked input record carries). */
export function storedOfCode(plan: FieldPlan, code: number): number {
  return toStored(plan, fromCode(plan, code));
}

export class WasmGameRules<D extends GameDeclaration = GameDeclaration> {
  readonly store: GameStore<D>;
  private readonly exports: GameExports;
  private readonly events: EventExports | null;
  private readonly region: Region;
  private readonly inputRegion: Region;
  /** The whole state: the store, then the seats' avatars (WasmGameOptions.seats). */
  readonly state: Uint8Array;
  /** Each seat's avatar id + 1 (0: the seat is empty); empty without seats. */
  readonly seatAvatars: Uint32Array;
  /** The current player's input, one stored i32 per input field, where the module reads it. */
  private readonly input: Int32Array;

  private constructor(readonly arena: Arena, readonly game: Game<D>, options: WasmGameOptions) {
    const exports = arena.wasm.exports as unknown as Record<string, unknown>;
    const missing = GAME_EXPORTS.filter((name) => typeof exports[name] !== 'function');
    if (missing.length > 0) throw new WasmLoadError(`the module is not a game's (chronos build): it lacks ${missing.join(', ')}`);
    this.exports = exports as unknown as GameExports;
    this.events = EVENT_EXPORTS.every((name) => typeof exports[name] === 'function') ? (exports as unknown as EventExports) : null;
    const buffer = arena.memoryBuffer;
    if (typeof SharedArrayBuffer === 'undefined' || !(buffer instanceof SharedArrayBuffer)) {
      throw new InvalidArgumentError('a game module needs the arena\'s shared memory (its views must survive growth)');
    }
    const seats = options.seats ?? 0;
    if (!Number.isInteger(seats) || seats < 0 || seats > 64) throw new InvalidArgumentError(`seats must be an integer in [0, 64], got ${String(seats)}`);
    const bytes = GameStore.bytesFor(game, options.capacity);
    this.region = arena.allocate(`game-${game.name}`, bytes + ((seats * 4 + 15) & ~15));
    this.inputRegion = arena.allocate(`game-${game.name}-input`, Math.max(16, game.input.length * 4));
    // Read after allocating: a store past the memory's size grows it, and a grown shared memory
    // is a new, longer SharedArrayBuffer over the same bytes.
    const grown = arena.memoryBuffer;
    this.store = new GameStore(game, { capacity: options.capacity, memory: { buffer: grown, byteOffset: this.region.ptr } });
    this.input = new Int32Array(grown, this.inputRegion.ptr, Math.max(1, game.input.length));
    this.state = new Uint8Array(grown, this.region.ptr, this.region.byteLength);
    this.seatAvatars = new Uint32Array(grown, this.region.ptr + bytes, seats);
    this.exports.chronos_game_bind(this.region.ptr, options.capacity);
  }

  /** Rules over a module already loaded in `arena` (a game's module: chronos build's game.wasm). */
  static create<D extends GameDeclaration>(arena: Arena, game: Game<D>, options: WasmGameOptions): WasmGameRules<D> {
    return new WasmGameRules(arena, game, options);
  }

  /** Loads a game's module (`bytes`, or `url` in the browser) into a fresh memory and arena. */
  static async load<D extends GameDeclaration>(game: Game<D>, options: WasmGameOptions & Pick<LoadOptions, 'bytes' | 'url' | 'initialPages' | 'maximumPages'>): Promise<WasmGameRules<D>> {
    if (!options.bytes && !options.url) throw new InvalidArgumentError('a game module needs its bytes (Node) or its url (browser): chronos build writes build/page/game.wasm');
    const wasm = await loadChronos({ bytes: options.bytes, url: options.url, initialPages: options.initialPages, maximumPages: options.maximumPages });
    return new WasmGameRules(new Arena(wasm), game, options);
  }

  /** Fills the world (the game's setup(seed)). Deterministic: the same seed, the same bytes. */
  setup(seed: number): void {
    this.exports.chronos_game_setup(seed >>> 0);
  }

  /** A player joins: the avatar the game's join(player) spawned. CapacityError when it could not. */
  join(player: number): EntityId {
    const id = this.exports.chronos_game_join(player >>> 0) >>> 0;
    if (id === NO_ENTITY) throw new CapacityError(`${this.game.name} entity store`, this.store.capacity);
    return id;
  }

  leave(player: number, avatar: EntityId): void {
    this.exports.chronos_game_leave(player >>> 0, avatar >>> 0);
  }

  /** Applies `input` (API values, checked: InvalidValueError) to `avatar` (the game's control()). */
  control(avatar: EntityId, input: Readonly<GameInput<D>>): void {
    const fields = this.game.input;
    for (let i = 0; i < fields.length; i++) this.input[i] = toStored(fields[i]!, (input as Record<string, unknown>)[fields[i]!.name.slice(6)]);
    this.exports.chronos_game_control(avatar >>> 0, this.inputRegion.ptr);
  }

  /** Applies an input given as wire codes (GameInputCodec.check's output, already checked). */
  controlCodes(avatar: EntityId, codes: ArrayLike<number>): void {
    const fields = this.game.input;
    for (let i = 0; i < fields.length; i++) this.input[i] = storedOfCode(fields[i]!, codes[i]!);
    this.exports.chronos_game_control(avatar >>> 0, this.inputRegion.ptr);
  }

  /** One frame of the game's step(frame), then the store's frame counter moves on. */
  step(): void {
    const frame = this.store.frame;
    this.exports.chronos_game_step(frame);
    this.store.frame = frame + 1;
  }

  /**
   * Hands each event the rules emitted since the last take (emitEvent, in control() and step())
   * to `deliver`, oldest first, and empties the buffer: how many. A module without events (an
   * older build) has none.
   */
  takeEvents(deliver: (event: GameEvent) => void): number {
    const ex = this.events;
    if (ex === null) return 0;
    const n = ex.chronos_game_event_count();
    if (n === 0) return 0;
    // Read through a view of the memory as it is now (an event's delivery may grow it).
    const view = new DataView(this.arena.memoryBuffer, ex.chronos_game_events_at(), n * EVENT_BYTES);
    const list: GameEvent[] = [];
    for (let i = 0; i < n; i++) {
      const at = i * EVENT_BYTES;
      const range = view.getUint32(at + 16, true);
      const bytes = Math.min(EVENT_PAYLOAD_BYTES, view.getUint32(at + 20, true));
      const payload = new Uint8Array(bytes);
      payload.set(new Uint8Array(view.buffer, view.byteOffset + at + 24, bytes));
      list.push({
        kind: view.getUint32(at, true),
        x: view.getInt32(at + 4, true) / 65536,
        y: view.getInt32(at + 8, true) / 65536,
        z: view.getInt32(at + 12, true) / 65536,
        rangeM: range === EVERYONE ? Infinity : range / 65536,
        payload,
      });
    }
    ex.chronos_game_clear_events();
    for (const event of list) deliver(event);
    return n;
  }

  /** Empties the event buffer unread: a frame played again (a rollback), or a prediction. */
  discardEvents(): void {
    this.events?.chronos_game_clear_events();
  }

  /** Events the rules emitted that were not kept: the buffer was full (dropped), or the kind or payload was out of range (refused). */
  get eventsLost(): { readonly dropped: number; readonly refused: number } {
    const ex = this.events;
    return ex ? { dropped: ex.chronos_game_events_dropped(), refused: ex.chronos_game_events_refused() } : { dropped: 0, refused: 0 };
  }

  /** 64-bit hash of the whole store (xxh64 in the module: the same in Node and the browser). */
  hash(): bigint {
    return BigInt.asUintN(64, this.arena.wasm.exports.xxh64(this.region.ptr, this.region.byteLength, 0n));
  }
}
