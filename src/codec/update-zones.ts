// Update rates by distance for a declared game's snapshots: an entity near the recipient's
// avatar is refreshed every message, one farther out only every few (the seed's zones: a
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
// acknowledged, so nothing is lost. Per message, the encoder aims the zones at the recipient's
// avatar (its position into a scratch of four numbers, one per store and thread), and the
// compiled kernels work out each entity's band inline from its position (periodSource: the
// bands' radii and periods as constants), where they load it anyway; a pass writing every view
// slot's period into a column first was a tenth of serve-arena-shooter's main thread.

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

/** What the encoder's kernels compile from a store's update zones (UpdateZones). */
export interface ZoneSource {
  /** Source declaring `zp`, the period of the entity in `slot` (see UpdateZones.periodSource). */
  periodSource(): string;
  /** Equal for zones whose periodSource() is equal. */
  readonly key: string;
  readonly columns: { readonly x: Int32Array; readonly y: Int32Array; readonly z: Int32Array | null };
  /** Per band its squared outer radius (Q16 units squared), and the periods: one per band, then beyond's (what periodSource() picks from). */
  readonly radii2: Float64Array;
  readonly periodOf: Uint8Array;
}

/**
 * What `make` builds for `store` and `zones` (none: ''), made once and kept in `cache`: the
 * encoder's kernels, whose constants are the store's columns and the zones' bands.
 */
export function byStoreAndZones<T>(cache: WeakMap<object, Map<string, T>>, store: object, zones: ZoneSource | null, make: () => T): T {
  let byZones = cache.get(store);
  if (!byZones) {
    byZones = new Map();
    cache.set(store, byZones);
  }
  const key = zones ? zones.key : '';
  let made = byZones.get(key);
  if (made === undefined) {
    made = make();
    byZones.set(key, made);
  }
  return made;
}

const origins = new WeakMap<object, Float64Array>();

/**
 * Where the zones of `store` are aimed for the message being encoded (one per store on each
 * thread, read by the compiled kernels): [1, x, y, z] in Q16, or [0, ...] for none (every
 * entity at full rate).
 */
export function zoneOrigin(store: object): Float64Array {
  let o = origins.get(store);
  if (!o) {
    o = new Float64Array(4);
    origins.set(store, o);
  }
  return o;
}

export class UpdateZones<D extends GameDeclaration = GameDeclaration> implements ZoneSource {
  /** Per band, the squared outer radius in Q16 units squared (as the columns hold positions), then its period. */
  readonly radii2: Float64Array;
  readonly periodOf: Uint8Array;
  private readonly x: Int32Array;
  private readonly y: Int32Array;
  private readonly z: Int32Array | null;
  private readonly origin: Float64Array;
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
    this.origin = zoneOrigin(store);
  }

  /** The columns the bands measure from, for the kernels (z null: distances on the ground). */
  get columns(): { x: Int32Array; y: Int32Array; z: Int32Array | null } {
    return { x: this.x, y: this.y, z: this.z };
  }

  /**
   * Source declaring `zp`, the update period of the entity in `slot` for the message being
   * encoded, with `zo` (zoneOrigin) and the columns `zx`, `zy` (and `zz`) in scope: the band its
   * distance from the origin falls in, or 1 when the zones aim at nothing. The bands' squared
   * radii and periods are constants; the arithmetic is exactly what a pass over the view did.
   */
  periodSource(): string {
    const z = this.z !== null;
    const d2 = z ? 'zdx * zdx + zdy * zdy + zdz * zdz' : 'zdx * zdx + zdy * zdy';
    let pick = String(this.periodOf[this.radii2.length]);
    for (let b = this.radii2.length - 1; b >= 0; b--) pick = `d2 <= ${String(this.radii2[b])} ? ${this.periodOf[b]} : ${pick}`;
    return `let zp = 1; if (zo[0] !== 0) { const zdx = zx[slot] - zo[1]; const zdy = zy[slot] - zo[2];${z ? ' const zdz = zz[slot] - zo[3];' : ''} const d2 = ${d2}; zp = ${pick}; }`;
  }

  /** A key of what periodSource() compiles to: kernels are shared by zones alike. */
  get key(): string {
    return `${this.spec.x}|${this.spec.y}|${this.spec.z ?? ''}|${Array.from(this.radii2).join(',')}|${Array.from(this.periodOf).join(',')}`;
  }

  /**
   * Aims the zones at `origin`'s position (a slot; -1 or an empty one: nothing waits) for the
   * message about to be encoded.
   */
  aim(origin: number): void {
    const o = this.origin;
    if (origin < 0 || origin >= this.store.typeColumn.length || this.store.typeColumn[origin] === 0) {
      o[0] = 0;
      return;
    }
    o[0] = 1;
    o[1] = this.x[origin]!;
    o[2] = this.y[origin]!;
    o[3] = this.z ? this.z[origin]! : 0;
  }
}
