// Update rates by distance for a declared game's snapshots: an entity near the recipient's
// avatar is refreshed every message, one farther out only every few (world mode's zones: a
// view's outer ring at a few hertz), so a crowded view costs bytes and encoding for what the
// player looks at, not for the horizon. Entering and leaving a view are never delayed, nor is
// anything the recipient owns.
//
//   zones: { x: 'position.x', y: 'position.y', bands: [{ withinM: 15, hz: 60 }, { withinM: 60, hz: 20 }, { withinM: 130, hz: 5 }], beyondHz: 1 }
//
// An entity in a band of period p (tickHz / hz messages) is due in message seq when
// (seq + slot) % p === 0, as a slower field's rate class is: staggered over the slots, so every
// message carries its share. Until it is due, its changes wait: the message carries nothing for it
// and the client keeps what it has; when due, the record is a delta against what the client
// acknowledged, so nothing is lost. Per message, the encoder writes each view slot's period into
// a scratch column (one per store and thread, read by the compiled kernels) from the distance
// between that slot's position and the avatar's.

import { ConfigError } from '../core/errors.js';
import { fieldOf, type FieldKey, type GameDeclaration } from '../core/game.js';
import type { GameStore } from '../core/game-store.js';

export interface UpdateBand {
  /** Entities within this distance of the recipient's avatar, metres (bands ascending)... */
  readonly withinM: number;
  /** ...are refreshed this many times a second (at most the tick rate). */
  readonly hz: number;
}

export interface UpdateZonesSpec<D extends GameDeclaration = GameDeclaration> {
  /** The q16 position fields (metres); without z, distances are on the ground. */
  readonly x: FieldKey<D>;
  readonly y: FieldKey<D>;
  readonly z?: FieldKey<D>;
  readonly bands: readonly UpdateBand[];
  /** Entities past the last band. */
  readonly beyondHz: number;
}

/** The most messages an entity's update may wait (a period past it is clamped). */
export const MAX_UPDATE_PERIOD = 255;

const scratches = new WeakMap<object, Uint8Array>();

/** The period column the kernels compiled for `store` read (one per store on each thread). */
export function zonePeriods(store: { readonly typeColumn: Uint32Array }): Uint8Array {
  let periods = scratches.get(store);
  if (!periods) {
    periods = new Uint8Array(store.typeColumn.length).fill(1);
    scratches.set(store, periods);
  }
  return periods;
}

export class UpdateZones<D extends GameDeclaration = GameDeclaration> {
  /** Per band, the squared outer radius in Q16 units squared (as the columns hold positions), then its period. */
  private readonly radii2: Float64Array;
  private readonly periodOf: Uint8Array;
  private readonly x: Int32Array;
  private readonly y: Int32Array;
  private readonly z: Int32Array | null;
  private readonly periods: Uint8Array;

  constructor(readonly store: GameStore<D>, readonly spec: UpdateZonesSpec<D>, tickHz: number) {
    const column = (key: FieldKey<D>, name: string): Int32Array => {
      let f: number;
      try {
        f = fieldOf(store.game, key);
      } catch {
        throw new ConfigError(`zones.${name}`, `${String(key)} is not a field of ${store.game.name}`);
      }
      if (store.game.fields[f]!.spec.type !== 'q16') throw new ConfigError(`zones.${name}`, `${String(key)} is not a q16 field (positions are Q16.16 metres)`);
      return store.columns[f]! as Int32Array;
    };
    this.x = column(spec.x, 'x');
    this.y = column(spec.y, 'y');
    this.z = spec.z === undefined ? null : column(spec.z, 'z');
    const bands = spec.bands;
    if (!Array.isArray(bands) || bands.length > 16) throw new ConfigError('zones.bands', 'must be an array of at most 16 { withinM, hz }');
    const period = (hz: unknown, name: string): number => {
      if (typeof hz !== 'number' || !(hz > 0) || hz > tickHz) throw new ConfigError(name, `must be a rate in (0, ${tickHz}] Hz, got ${String(hz)}`);
      return Math.min(MAX_UPDATE_PERIOD, Math.max(1, Math.round(tickHz / hz)));
    };
    this.radii2 = new Float64Array(bands.length);
    this.periodOf = new Uint8Array(bands.length + 1);
    let last = 0;
    bands.forEach((b, i) => {
      if (typeof b?.withinM !== 'number' || !(b.withinM > last) || !Number.isFinite(b.withinM)) throw new ConfigError(`zones.bands[${i}].withinM`, `must be a finite distance past the band before (${last} m), got ${String(b?.withinM)}`);
      last = b.withinM;
      const q = b.withinM * 65536;
      this.radii2[i] = q * q;
      this.periodOf[i] = period(b.hz, `zones.bands[${i}].hz`);
    });
    this.periodOf[bands.length] = period(spec.beyondHz, 'zones.beyondHz');
    this.periods = zonePeriods(store);
  }

  /**
   * Writes each view slot's period (slots[0 .. count)) by its distance from `origin`'s position
   * (a slot; -1 or an empty one: every period 1, nothing waits).
   */
  fill(origin: number, slots: ArrayLike<number>, count: number): void {
    const periods = this.periods;
    if (origin < 0 || origin >= periods.length || this.store.typeColumn[origin] === 0) {
      for (let i = 0; i < count; i++) periods[slots[i]!] = 1;
      return;
    }
    const { x, y, z, radii2, periodOf } = this;
    const bands = radii2.length;
    const ox = x[origin]!;
    const oy = y[origin]!;
    const oz = z ? z[origin]! : 0;
    for (let i = 0; i < count; i++) {
      const s = slots[i]!;
      const dx = x[s]! - ox;
      const dy = y[s]! - oy;
      const dz = z ? z[s]! - oz : 0;
      const d2 = dx * dx + dy * dy + dz * dz;
      let b = 0;
      while (b < bands && d2 > radii2[b]!) b++;
      periods[s] = periodOf[b]!;
    }
  }
}
