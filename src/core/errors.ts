// The ChronosError hierarchy. Every error Chronos throws on purpose is one of these, with a
// stable `code` a program can switch on and a message that carries the numbers involved.
// This file imports nothing, so every layer (src/wasm included) may use it.

export type ChronosErrorCode =
  | 'E_INVALID_ARGUMENT'
  | 'E_INVALID_VALUE'
  | 'E_OUT_OF_WORLD'
  | 'E_UNKNOWN_ENTITY'
  | 'E_STALE_ENTITY'
  | 'E_CAPACITY'
  | 'E_ARENA_EXHAUSTED'
  | 'E_ARENA_OUT_OF_MEMORY'
  | 'E_WASM_LOAD'
  | 'E_WASM_LINK'
  | 'E_CONFIG'
  | 'E_PORT_IN_USE'
  | 'E_DECODE'
  | 'E_STATE'
  | 'E_SAVE_INVALID'
  | 'E_SAVE_MISMATCH'
  | 'E_SAVE_STORE';

export class ChronosError extends Error {
  readonly code: ChronosErrorCode;

  constructor(code: ChronosErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A caller passed an argument of the wrong shape (programmer error). */
export class InvalidArgumentError extends ChronosError {
  constructor(message: string) {
    super('E_INVALID_ARGUMENT', message);
  }
}

/** A value is NaN, infinite, or outside the range its field can hold. */
export class InvalidValueError extends ChronosError {
  readonly field: string;
  readonly value: unknown;

  constructor(field: string, value: unknown, why: string) {
    super('E_INVALID_VALUE', `${field} = ${String(value)}: ${why}`);
    this.field = field;
    this.value = value;
  }
}

/** A coordinate lies outside the world's bounds. */
export class OutOfWorldError extends ChronosError {
  readonly field: string;
  readonly value: number;

  constructor(field: string, value: number, min: number, max: number) {
    super('E_OUT_OF_WORLD', `${field} = ${value} m is outside the world [${min}, ${max}] m`);
    this.field = field;
    this.value = value;
  }
}

/** An entity id that never existed or whose slot is empty. */
export class UnknownEntityError extends ChronosError {
  readonly id: number;

  constructor(id: number, detail = 'no such entity') {
    super('E_UNKNOWN_ENTITY', `entity ${id}: ${detail}`);
    this.id = id;
  }
}

/** An entity id whose slot was freed and reused: the handle is from an older generation. */
export class StaleEntityError extends ChronosError {
  readonly id: number;

  constructor(id: number, idGeneration: number, slotGeneration: number) {
    super(
      'E_STALE_ENTITY',
      `entity ${id} is stale: its generation is ${idGeneration}, the slot is at generation ${slotGeneration}`,
    );
    this.id = id;
  }
}

/** A fixed-capacity structure (entity store, ring, pool) is full. */
export class CapacityError extends ChronosError {
  constructor(what: string, capacity: number) {
    super('E_CAPACITY', `${what} is full (capacity ${capacity})`);
  }
}

/** A named arena region has no room left for the requested elements. */
export class ArenaExhaustedError extends ChronosError {
  readonly region: string;

  constructor(region: string, requested: number, used: number, capacity: number) {
    super(
      'E_ARENA_EXHAUSTED',
      `arena region "${region}" is exhausted: requested ${requested}, ${used} of ${capacity} used`,
    );
    this.region = region;
  }
}

/** WebAssembly memory cannot grow enough to hold a new region. */
export class ArenaOutOfMemoryError extends ChronosError {
  constructor(requestedBytes: number, maximumBytes: number) {
    super(
      'E_ARENA_OUT_OF_MEMORY',
      `cannot allocate ${requestedBytes} bytes: WebAssembly memory is capped at ${maximumBytes} bytes`,
    );
  }
}

export class WasmLoadError extends ChronosError {
  constructor(message: string, cause?: unknown) {
    super('E_WASM_LOAD', message, { cause });
  }
}

/** The loaded module lacks exports a TypeScript binding needs (stale build). */
export class WasmLinkError extends ChronosError {
  readonly missing: readonly string[];

  constructor(missing: readonly string[]) {
    super('E_WASM_LINK', `chronos.wasm lacks exports: ${missing.join(', ')} (rebuild with npm run build)`);
    this.missing = missing;
  }
}

export class ConfigError extends ChronosError {
  readonly option: string;

  constructor(option: string, message: string) {
    super('E_CONFIG', `${option}: ${message}`);
    this.option = option;
  }
}

export class PortInUseError extends ChronosError {
  readonly port: number;
  readonly protocol: 'tcp' | 'udp';

  constructor(protocol: 'tcp' | 'udp', port: number, host: string) {
    super('E_PORT_IN_USE', `${protocol.toUpperCase()} port ${port} on ${host} is already in use`);
    this.port = port;
    this.protocol = protocol;
  }
}

/** Bytes from outside (network, file) that do not decode: truncated, garbage, wrong version. */
export class DecodeError extends ChronosError {
  constructor(message: string) {
    super('E_DECODE', message);
  }
}

/** An operation called in a state that does not allow it (start twice, step after close). */
export class StateError extends ChronosError {
  constructor(message: string) {
    super('E_STATE', message);
  }
}
