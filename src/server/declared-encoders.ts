// Who encodes a declared game's snapshots (DeclaredServer's per-tick work that grows with
// players): the main thread (LocalEncoders, the default), or a pool of worker threads reading
// the store in shared memory (EncodePool, declared-encode-pool.ts). DeclaredServer drives both
// the same way each tick:
//
//   encoders.begin();
//   for each player due a snapshot:
//     const n = module.visible(avatar, encoders.slots(id));       // written in place
//     encoders.job(id, tick, n, budgetBytes, inputSeq, inputQueue, avatarSlot);
//   encoders.run();                                               // encodes every job
//   for each job: link.send(channel, encoders.result(id))        // valid until the next begin()

import type { GameDeclaration } from '../core/game.js';
import type { GameStore } from '../core/game-store.js';
import { GameReplicator, type GameReplicatorOptions } from '../codec/game-snapshot.js';
import type { Arena } from '../wasm/arena.js';
import type { KernelHeap } from '../codec/kernel-heap.js';
import type { UpdateZonesSpec } from '../codec/update-zones.js';

/** What every player's replicator is made with (GameReplicatorOptions less the owner and the first seq). */
export interface EncoderSettings {
  readonly viewCapacity: number;
  readonly maxMessageBytes: number;
  /** Update rates by distance from each player's avatar (the game module's zones), and the tick rate they count in. */
  readonly zones?: UpdateZonesSpec;
  readonly tickHz?: number;
}

/** A player's replicator under `settings` (`arena`: the one the store lives in, on this thread). */
export function replicatorFor<D extends GameDeclaration>(store: GameStore<D>, settings: EncoderSettings, owner: number, firstSeq = 0, arena?: Arena | KernelHeap): GameReplicator<D> {
  const options: GameReplicatorOptions = { viewCapacity: settings.viewCapacity, owner, maxMessageBytes: settings.maxMessageBytes, firstSeq, zones: settings.zones, tickHz: settings.tickHz, arena };
  return new GameReplicator(store, options);
}

export interface SnapshotEncoders {
  /** A player's replicator (owner: its player number), from a full state; its messages numbered from firstSeq. */
  add(id: number, owner: number, firstSeq?: number): void;
  remove(id: number): void;
  /** The player's client acknowledged snapshot `seq`. */
  ack(id: number, seq: number): void;
  /** Starts a tick's jobs (the previous tick's results are gone). */
  begin(): void;
  /** Where `id`'s view goes this tick (length: the view capacity). */
  slots(id: number): Uint32Array;
  /**
   * `origin`: the player's avatar's slot, from which update zones measure (-1: none);
   * `viewScale`: the share of its full radius the player's view reached (0: not said).
   */
  job(id: number, tick: number, count: number, budgetBytes: number, inputSeq: number, inputQueue: number, origin?: number, viewScale?: number): void;
  /** Encodes every job of the tick. */
  run(): void;
  /** `id`'s message this tick (null when it had no job). */
  result(id: number): Uint8Array | null;
  /** Bytes this thread's encoders hold for their players (frames, messages, views), for /metrics. */
  readonly heldBytes: number;
  close(): Promise<void>;
}

/** Every replicator on the calling thread. */
export class LocalEncoders<D extends GameDeclaration> implements SnapshotEncoders {
  private readonly replicators = new Map<number, GameReplicator<D>>();
  private readonly views = new Map<number, Uint32Array>();
  private readonly jobs: { id: number; tick: number; count: number; budget: number; origin: number }[] = [];
  private readonly results = new Map<number, Uint8Array>();
  private readonly viewCapacity: number;

  /** `arena`: the WebAssembly arena the store lives in (DeclaredGameModule.arena): the replicators' run kernels are WebAssembly there. */
  constructor(private readonly store: GameStore<D>, private readonly settings: EncoderSettings, private readonly arena?: Arena) {
    this.viewCapacity = settings.viewCapacity;
  }

  get heldBytes(): number {
    let n = 0;
    for (const r of this.replicators.values()) n += r.heldBytes;
    for (const v of this.views.values()) n += v.byteLength;
    return n;
  }

  add(id: number, owner: number, firstSeq = 0): void {
    this.replicators.get(id)?.dispose();
    this.replicators.set(id, replicatorFor(this.store, this.settings, owner, firstSeq, this.arena));
  }

  remove(id: number): void {
    // Its frames in the arena go back now (in the JavaScript heap: nothing to do).
    this.replicators.get(id)?.dispose();
    this.replicators.delete(id);
    this.views.delete(id);
  }

  ack(id: number, seq: number): void {
    this.replicators.get(id)?.ack(seq);
  }

  begin(): void {
    this.jobs.length = 0;
    this.results.clear();
  }

  slots(id: number): Uint32Array {
    let view = this.views.get(id);
    if (!view) {
      view = new Uint32Array(this.viewCapacity);
      this.views.set(id, view);
    }
    return view;
  }

  job(id: number, tick: number, count: number, budgetBytes: number, inputSeq: number, inputQueue: number, origin = -1, viewScale = 0): void {
    const r = this.replicators.get(id);
    if (!r) return;
    r.inputSeq = inputSeq;
    r.inputQueue = inputQueue;
    r.viewScale = viewScale;
    this.jobs.push({ id, tick, count, budget: budgetBytes, origin });
  }

  run(): void {
    for (const j of this.jobs) {
      const r = this.replicators.get(j.id)!;
      // A view of the replicator's buffer, valid until its next encode (the next tick).
      this.results.set(j.id, r.encode(j.tick, this.views.get(j.id)!, j.count, j.budget, j.origin));
    }
  }

  result(id: number): Uint8Array | null {
    return this.results.get(id) ?? null;
  }

  async close(): Promise<void> {
    for (const r of this.replicators.values()) r.dispose();
    this.replicators.clear();
  }
}
