// Loads chronos.wasm into a shared WebAssembly.Memory. The same function runs in Node and in the
// browser over the same bytes: only how the bytes are fetched differs (a file next to the
// package in Node, a URL beside the page in the browser).

import { WasmLoadError } from '../core/errors.js';
import { bindKernels, CORE_KERNEL_NAMES, type CoreKernels } from './kernels.js';

/** 64 KiB, the WebAssembly page size. */
export const WASM_PAGE_BYTES = 65536;
/** 4 MiB to start; the arena grows memory as regions are added. */
export const DEFAULT_INITIAL_PAGES = 64;
/** 1 GiB: room for 100k entities, per-client views of 10k clients and the rollback rings. */
export const DEFAULT_MAXIMUM_PAGES = 16384;
/** The module declares this maximum (asconfig.json); an imported memory may not exceed it. */
export const MODULE_MAXIMUM_PAGES = 65536;
const RELEASE_FILE = 'chronos.wasm';
const DEBUG_FILE = 'chronos.debug.wasm';

export interface LoadOptions {
  /** The module bytes; when absent they are read from build/ (Node) or fetched from `url`. */
  bytes?: BufferSource;
  /** Where the browser fetches the module; defaults to `chronos.wasm` beside the page. */
  url?: string | URL;
  /** Load the debug build (assertions on) instead of the release build; Node only. */
  debug?: boolean;
  /** Use this memory instead of creating one (a worker sharing the server's memory). */
  memory?: WebAssembly.Memory;
  initialPages?: number;
  maximumPages?: number;
}

export interface ChronosWasm {
  readonly module: WebAssembly.Module;
  readonly instance: WebAssembly.Instance;
  readonly memory: WebAssembly.Memory;
  readonly exports: CoreKernels;
  readonly maximumPages: number;
}

const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';

/**
 * Absolute path of `build/<relative>` in the package, found by walking up from this file so it
 * works from src/ (tests, tsx) and from dist/src/ (the built server). Node only.
 */
export async function findBuildPath(relative: string): Promise<string> {
  const fs = await import('node:fs/promises');
  const { fileURLToPath } = await import('node:url');
  let dir = new URL('.', import.meta.url);
  for (let depth = 0; depth < 6; depth++) {
    const candidate = fileURLToPath(new URL(`build/${relative}`, dir));
    try {
      await fs.access(candidate);
      return candidate;
    } catch {
      dir = new URL('..', dir);
    }
  }
  throw new WasmLoadError(`build/${relative} not found above ${import.meta.url}: run npm run build`);
}

async function readBytesInNode(file: string): Promise<Uint8Array<ArrayBuffer>> {
  const fs = await import('node:fs/promises');
  const bytes = await fs.readFile(await findBuildPath(file));
  return new Uint8Array(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength);
}

async function fetchBytes(url: string | URL): Promise<ArrayBuffer> {
  const response = await fetch(url);
  if (!response.ok) throw new WasmLoadError(`fetching ${String(url)} failed: HTTP ${response.status}`);
  return response.arrayBuffer();
}

const compiledBytes = new WeakMap<object, WebAssembly.Module>();
const compiledFiles = new Map<string, Promise<WebAssembly.Module>>();

async function compileUncached(options: Pick<LoadOptions, 'url' | 'debug'>): Promise<WebAssembly.Module> {
  const file = options.debug ? DEBUG_FILE : RELEASE_FILE;
  const bytes =
    options.url || !isNode
      ? await fetchBytes(options.url ?? new URL(file, globalThis.location?.href))
      : await readBytesInNode(file);
  return WebAssembly.compile(bytes);
}

/** Compiles the module once per byte source, URL or build file, and caches the result. */
export async function compileChronos(options: Pick<LoadOptions, 'bytes' | 'url' | 'debug'> = {}): Promise<WebAssembly.Module> {
  try {
    if (options.bytes) {
      const key = options.bytes as object;
      let module = compiledBytes.get(key);
      if (!module) {
        module = await WebAssembly.compile(options.bytes);
        compiledBytes.set(key, module);
      }
      return module;
    }
    const key = options.url ? String(options.url) : options.debug ? DEBUG_FILE : RELEASE_FILE;
    let pending = compiledFiles.get(key);
    if (!pending) {
      pending = compileUncached(options);
      compiledFiles.set(key, pending);
      pending.catch(() => compiledFiles.delete(key));
    }
    return await pending;
  } catch (err) {
    if (err instanceof WasmLoadError) throw err;
    throw new WasmLoadError(`cannot compile chronos.wasm: ${(err as Error).message}`, err);
  }
}

/**
 * The module imports a SHARED memory (so workers can attach to it); browsers allow that only
 * on cross-origin isolated pages (COOP + COEP headers, which a game's server sends).
 */
export function createMemory(options: Pick<LoadOptions, 'initialPages' | 'maximumPages'> = {}): WebAssembly.Memory {
  const initial = options.initialPages ?? DEFAULT_INITIAL_PAGES;
  const maximum = options.maximumPages ?? DEFAULT_MAXIMUM_PAGES;
  if (!Number.isInteger(initial) || initial < 1 || !Number.isInteger(maximum) || maximum < initial || maximum > MODULE_MAXIMUM_PAGES) {
    throw new WasmLoadError(`memory pages must satisfy 1 <= initial (${initial}) <= maximum (${maximum}) <= ${MODULE_MAXIMUM_PAGES}`);
  }
  try {
    return new WebAssembly.Memory({ initial, maximum, shared: true } as WebAssembly.MemoryDescriptor);
  } catch (err) {
    throw new WasmLoadError(
      `cannot create shared WebAssembly memory (${(err as Error).message}); in a browser the page must be cross-origin isolated`,
      err,
    );
  }
}

/** Instantiates a compiled module over `memory` synchronously (workers use this). */
export function instantiateChronos(module: WebAssembly.Module, memory: WebAssembly.Memory, maximumPages: number): ChronosWasm {
  const imports = {
    env: {
      memory,
      // Only the debug build can trap through abort (failed assertions); release has no asserts.
      abort(_message: number, _file: number, line: number, column: number): never {
        throw new WasmLoadError(`chronos.wasm aborted at line ${line}:${column}`);
      },
    },
  };
  const instance = new WebAssembly.Instance(module, imports);
  const wasm = { module, instance, memory, exports: {} as CoreKernels, maximumPages };
  return { ...wasm, exports: bindKernels<CoreKernels>(wasm, CORE_KERNEL_NAMES) };
}

/** Compiles (cached) and instantiates chronos.wasm over a new or given memory. */
export async function loadChronos(options: LoadOptions = {}): Promise<ChronosWasm> {
  const module = await compileChronos(options);
  const maximumPages = options.maximumPages ?? DEFAULT_MAXIMUM_PAGES;
  const memory = options.memory ?? createMemory(options);
  try {
    return instantiateChronos(module, memory, maximumPages);
  } catch (err) {
    throw new WasmLoadError(`cannot instantiate chronos.wasm: ${(err as Error).message}`, err);
  }
}
