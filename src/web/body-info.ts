// What the map view needs to know of a body beyond its position (map-view.ts BodyInfo), in each
// mode:
//   arena: the page's predicted world holds every body, so hit points, headings and owners are
//          its columns (a body whose slot now holds another entity has none);
//   world: the page holds no world. Remote bodies' hit points and headings are their newest
//          interest record (looked up by entity id in the view, re-read once per snapshot); the
//          own avatar's are its predicted state, and its projectiles' headings the predictor's
//          projectile world.

import type { World } from '../core/world.js';
import type { SampledBodies } from '../rollback/hitbox-history.js';
import { createViewBodies, type SnapshotView, type ViewBodies } from '../codec/snapshot-view.js';
import type { OwnState } from '../codec/world-messages.js';
import { slotOf } from '../core/entity-id.js';
import type { BodyInfo } from './map-view.js';

const SLOT_MASK = 0xfffff;
const Q16 = 65536;

/** Arena mode: the predicted world's columns, fetched once per frame. */
export class WorldColumnsInfo implements BodyInfo {
  /** Your avatar's slot (its projectiles are yours), -1 when watching. */
  ownSlot = -1;
  private hpCol: Int32Array = new Int32Array(0);
  private generation: Uint32Array = new Uint32Array(0);
  private owner: Uint32Array = new Uint32Array(0);
  private headingCol: Int32Array = new Int32Array(0);
  private highWater = 0;

  constructor(private readonly world: World) {}

  begin(): void {
    const w = this.world;
    this.hpCol = w.column('hp');
    this.generation = w.column('generation');
    this.owner = w.column('owner');
    this.headingCol = w.column('heading');
    this.highWater = w.highWater;
  }

  hp(list: SampledBodies, i: number): number {
    const id = list.ids[i]!;
    const slot = id & SLOT_MASK;
    if (slot >= this.highWater || this.generation[slot] !== id >>> 20) return -1;
    return this.hpCol[slot]!;
  }

  heading(list: SampledBodies, i: number): number {
    return (this.headingCol[list.ids[i]! & SLOT_MASK] ?? 0) / Q16;
  }

  playerNumber(list: SampledBodies, i: number): number {
    return this.owner[list.ids[i]! & SLOT_MASK] ?? 0;
  }

  mine(list: SampledBodies, i: number): boolean {
    return this.ownSlot >= 0 && this.owner[list.ids[i]! & SLOT_MASK] === this.ownSlot;
  }
}

/**
 * World mode. `own` is the predicted list the page builds each frame: the avatar first (when
 * `hasAvatar`), then its projectiles, whose ids are slots of `projectileHeading`'s world.
 */
export class ViewBodyInfo implements BodyInfo {
  /** The page's own list and what it holds. */
  own: SampledBodies | undefined;
  hasAvatar = false;
  readonly ownState: OwnState = { serverTick: 0, lastAppliedSeq: 0, queued: 0, avatarId: 0, x: 0, y: 0, z: 0, vx: 0, vy: 0, heading: 0, timer: 0, hp: 0, flags: 0 };
  /** The own projectiles' heading column (Q16 radians), by their ids. */
  projectileHeading: Int32Array | undefined;
  private bodies: ViewBodies = createViewBodies(1);
  private readonly indexOf = new Map<number, number>();
  private view: SnapshotView | undefined;
  private seq = -1;

  constructor(private readonly viewOf: () => SnapshotView | undefined) {}

  begin(): void {
    const view = this.viewOf();
    if (!view) {
      this.indexOf.clear();
      this.view = undefined;
      return;
    }
    if (view === this.view && view.seq === this.seq) return;
    this.view = view;
    this.seq = view.seq;
    if (this.bodies.ids.length < view.handles) this.bodies = createViewBodies(view.handles);
    const n = view.collectInto(this.bodies);
    this.indexOf.clear();
    for (let k = 0; k < n; k++) this.indexOf.set(this.bodies.ids[k]!, k);
  }

  /** The view's newest record of entity `id`: its index in `records()`, or -1. */
  recordOf(id: number): number {
    return this.indexOf.get(id) ?? -1;
  }

  records(): ViewBodies {
    return this.bodies;
  }

  hp(list: SampledBodies, i: number): number {
    if (list === this.own) return this.hasAvatar && i === 0 ? this.ownState.hp : -1;
    const k = this.indexOf.get(list.ids[i]!);
    return k === undefined ? -1 : this.bodies.hp[k]!;
  }

  heading(list: SampledBodies, i: number): number {
    if (list === this.own) {
      if (this.hasAvatar && i === 0) return this.ownState.heading / Q16;
      return (this.projectileHeading?.[list.ids[i]!] ?? 0) / Q16;
    }
    const k = this.indexOf.get(list.ids[i]!);
    return k === undefined ? 0 : this.bodies.yaw[k]!;
  }

  playerNumber(list: SampledBodies, i: number): number {
    return slotOf(list.ids[i]!);
  }

  mine(list: SampledBodies, i: number): boolean {
    return list === this.own && !(this.hasAvatar && i === 0);
  }
}
