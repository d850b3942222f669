// The reference game step as a JavaScript game server would write it, for the `rollback` suite's
// `js-objects` peer: one object per entity, f64 metres, Math.sin/cos/sqrt, the state as a plain
// object graph, snapshots by structuredClone. Same rules as assembly/sim (NPC wander, players
// joining by input, steering, a cooldown-limited projectile weapon and hitscan verdicts, hit
// points, deaths and respawns, swept projectiles, sphere collisions on a row-sorted grid) and
// written for speed: monomorphic classes, plain loops, typed-array scratch for the broadphase,
// no allocation per entity per tick. It is not bit-identical to the WASM step (f64, not Q16);
// it does the same work. The `js-pool` peer (JsStatePool, at the end) runs the same step and
// snapshots by copying fields into a preallocated ring of states instead of structuredClone.

export const FLAG_ALIVE = 1;
export const FLAG_NPC = 2;
export const FLAG_PLAYER = 4;
export const FLAG_PROJECTILE = 8;
export const FLAG_DEAD = 16;
const BUTTON_FIRE = 1;
const BUTTON_SHOOT = 2;
const BUTTON_PRESENT = 128;
const INPUT_BYTES = 12;

export class Body {
  flags = 0;
  generation = 0;
  x = 0;
  y = 0;
  z = 0;
  vx = 0;
  vy = 0;
  heading = 0;
  timer = 0;
  radius = 0;
  hp = 0;
  owner = 0;
}

/**
 * Clears everything but the generation (slot reuse). A function, not a method: structuredClone
 * keeps data, not prototypes, so state restored from a snapshot is plain objects.
 */
function resetBody(b: Body): void {
  b.flags = 0;
  b.x = b.y = b.z = b.vx = b.vy = b.heading = b.timer = b.radius = b.hp = b.owner = 0;
}

export interface JsRules {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
  npcSpeed: number;
  wanderMin: number;
  wanderMax: number;
  idlePercent: number;
  playerSpeed: number;
  projectileSpeed: number;
  projectileTicks: number;
  cooldownTicks: number;
  respawnTicks: number;
  playerHp: number;
  npcHp: number;
  projectileDamage: number;
  hitscanDamage: number;
  playerRadius: number;
  cellSize: number;
  spawnExtent: number;
}

export interface JsState {
  tick: number;
  rng: number[];
  bodies: Body[];
  free: number[];
  highWater: number;
  table: number[];
  kills: number;
  rules: JsRules;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

function rngNext(s: number[]): number {
  const s0 = s[0]!, s1 = s[1]!, s2 = s[2]!, s3 = s[3]!;
  const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
  const t = s1 << 9;
  const n2 = s2 ^ s0;
  const n3 = s3 ^ s1;
  s[1] = s1 ^ n2;
  s[0] = s0 ^ n3;
  s[2] = n2 ^ t;
  s[3] = rotl(n3, 11);
  return result;
}

/** Uniform in [lo, hi]. */
function range(s: number[], lo: number, hi: number): number {
  return lo + (rngNext(s) / 4294967296) * (hi - lo);
}

export function createState(capacity: number, seed: number, npcs: number, rules: JsRules): JsState {
  let sm = seed >>> 0;
  const rng: number[] = [];
  for (let i = 0; i < 4; i++) {
    sm = (sm + 0x9e3779b9) >>> 0;
    let x = sm;
    x = Math.imul(x ^ (x >>> 16), 0x21f0aaad);
    x = Math.imul(x ^ (x >>> 15), 0x735a2d97);
    rng.push((x ^ (x >>> 15)) >>> 0);
  }
  const bodies: Body[] = [];
  for (let i = 0; i < capacity; i++) bodies.push(new Body());
  const state: JsState = { tick: 0, rng, bodies, free: [], highWater: 0, table: new Array<number>(64).fill(-1), kills: 0, rules };
  for (let i = 0; i < npcs; i++) {
    const slot = alloc(state, FLAG_NPC);
    if (slot < 0) break;
    const b = bodies[slot]!;
    b.x = range(rng, rules.minX, rules.maxX);
    b.y = range(rng, rules.minY, rules.maxY);
    b.heading = range(rng, -Math.PI, Math.PI);
    b.radius = 0.5;
    b.hp = rules.npcHp;
    decide(state, b);
  }
  return state;
}

function alloc(state: JsState, flags: number): number {
  let slot: number;
  if (state.free.length > 0) slot = state.free.pop()!;
  else {
    if (state.highWater >= state.bodies.length) return -1;
    slot = state.highWater++;
  }
  const b = state.bodies[slot]!;
  resetBody(b);
  b.flags = flags | FLAG_ALIVE;
  return slot;
}

function release(state: JsState, slot: number): void {
  const b = state.bodies[slot]!;
  if (!(b.flags & FLAG_ALIVE)) return;
  b.flags = 0;
  b.generation = (b.generation + 1) & 0xfff;
  state.free.push(slot);
}

function decide(state: JsState, b: Body): void {
  const r = state.rules;
  b.heading += range(state.rng, -Math.PI / 2, Math.PI / 2);
  if (b.heading > Math.PI) b.heading -= 2 * Math.PI;
  else if (b.heading < -Math.PI) b.heading += 2 * Math.PI;
  const idle = range(state.rng, 0, 100) < r.idlePercent;
  const speed = idle ? 0 : range(state.rng, r.npcSpeed / 4, r.npcSpeed);
  b.vx = Math.cos(b.heading) * speed;
  b.vy = Math.sin(b.heading) * speed;
  b.timer = Math.floor(range(state.rng, r.wanderMin, r.wanderMax + 1));
}

function spawnPoint(state: JsState, b: Body, anywhere: boolean): void {
  const r = state.rules;
  if (anywhere) {
    b.x = range(state.rng, r.minX, r.maxX);
    b.y = range(state.rng, r.minY, r.maxY);
    return;
  }
  const mx = (r.minX + r.maxX) / 2;
  const my = (r.minY + r.maxY) / 2;
  b.x = range(state.rng, Math.max(r.minX, mx - r.spawnExtent), Math.min(r.maxX, mx + r.spawnExtent));
  b.y = range(state.rng, Math.max(r.minY, my - r.spawnExtent), Math.min(r.maxY, my + r.spawnExtent));
}

function damage(state: JsState, slot: number, amount: number): void {
  const b = state.bodies[slot]!;
  b.hp -= amount;
  if (b.hp > 0) return;
  state.kills++;
  if (b.flags & FLAG_PLAYER) {
    b.flags |= FLAG_DEAD;
    b.hp = 0;
    b.vx = 0;
    b.vy = 0;
    b.timer = state.rules.respawnTicks;
  } else {
    b.hp = state.rules.npcHp;
    spawnPoint(state, b, true);
  }
}

/** Broadphase scratch, reused across steps (like the WASM step's scratch buffer). */
export class JsGrid {
  keys: Int32Array;
  byColumn: Int32Array;
  sorted: Int32Array;
  sortedKeys: Int32Array;
  projectiles: Int32Array;
  columnStarts: Int32Array;
  rowStarts: Int32Array;
  solids = 0;
  projectileCount = 0;

  constructor(capacity: number, columns: number, rows: number) {
    this.keys = new Int32Array(capacity);
    this.byColumn = new Int32Array(capacity);
    this.sorted = new Int32Array(capacity);
    this.sortedKeys = new Int32Array(capacity + 1);
    this.projectiles = new Int32Array(capacity);
    this.columnStarts = new Int32Array(columns + 1);
    this.rowStarts = new Int32Array(rows + 1);
  }
}

export function gridFor(state: JsState): JsGrid {
  const r = state.rules;
  return new JsGrid(state.bodies.length, Math.floor((r.maxX - r.minX) / r.cellSize) + 1, Math.floor((r.maxY - r.minY) / r.cellSize) + 1);
}

function buildGrid(state: JsState, g: JsGrid): void {
  const r = state.rules;
  const bodies = state.bodies;
  const high = state.highWater;
  const columns = g.columnStarts.length - 1;
  const rows = g.rowStarts.length - 1;
  g.columnStarts.fill(0);
  g.rowStarts.fill(0);
  let solids = 0;
  let projectiles = 0;
  for (let s = 0; s < high; s++) {
    const b = bodies[s]!;
    const f = b.flags;
    if ((f & (FLAG_ALIVE | FLAG_DEAD)) === FLAG_ALIVE && (f & (FLAG_NPC | FLAG_PLAYER)) !== 0) {
      const cx = Math.min(columns - 1, Math.max(0, Math.floor((b.x - r.minX) / r.cellSize)));
      const cy = Math.min(rows - 1, Math.max(0, Math.floor((b.y - r.minY) / r.cellSize)));
      g.keys[s] = (cy << 16) | cx;
      g.columnStarts[cx]!++;
      g.rowStarts[cy]!++;
      solids++;
    } else {
      g.keys[s] = -1;
      if ((f & (FLAG_ALIVE | FLAG_PROJECTILE)) === (FLAG_ALIVE | FLAG_PROJECTILE)) g.projectiles[projectiles++] = s;
    }
  }
  g.solids = solids;
  g.projectileCount = projectiles;
  for (let c = 1; c < columns; c++) g.columnStarts[c]! += g.columnStarts[c - 1]!;
  for (let y = 1; y < rows; y++) g.rowStarts[y]! += g.rowStarts[y - 1]!;
  g.columnStarts[columns] = solids;
  g.rowStarts[rows] = solids;
  for (let s = high - 1; s >= 0; s--) {
    const key = g.keys[s]!;
    if (key < 0) continue;
    g.byColumn[--g.columnStarts[key & 0xffff]!] = s;
  }
  for (let n = solids - 1; n >= 0; n--) {
    const s = g.byColumn[n]!;
    const key = g.keys[s]!;
    const pos = --g.rowStarts[key >>> 16]!;
    g.sorted[pos] = s;
    g.sortedKeys[pos] = key;
  }
  g.sortedKeys[solids] = 0x7fffffff;
}

function separate(state: JsState, a: Body, b: Body): void {
  const rs = a.radius + b.radius;
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const d2 = dx * dx + dy * dy;
  if (d2 >= rs * rs) return;
  if ((a.flags | b.flags) & FLAG_DEAD) return;
  const d = Math.sqrt(d2);
  const overlap = rs - d;
  let px: number, py: number;
  if (d === 0) {
    px = overlap / 2;
    py = 0;
  } else {
    px = (dx * overlap) / (2 * d);
    py = (dy * overlap) / (2 * d);
  }
  const r = state.rules;
  a.x = Math.min(r.maxX, Math.max(r.minX, a.x - px));
  a.y = Math.min(r.maxY, Math.max(r.minY, a.y - py));
  b.x = Math.min(r.maxX, Math.max(r.minX, b.x + px));
  b.y = Math.min(r.maxY, Math.max(r.minY, b.y + py));
}

function collide(state: JsState, g: JsGrid): void {
  const bodies = state.bodies;
  const keys = g.sortedKeys;
  const sorted = g.sorted;
  let next = 0;
  for (let k = 0; k < g.solids; k++) {
    const key = keys[k]!;
    const cx = key & 0xffff;
    const cy = key >>> 16;
    const a = bodies[sorted[k]!]!;
    const rowEnd = key + 1;
    for (let j = k + 1; keys[j]! <= rowEnd; j++) separate(state, a, bodies[sorted[j]!]!);
    const base = (cy + 1) << 16;
    const lo = base | (cx > 0 ? cx - 1 : 0);
    const hi = base | (cx + 1);
    while (keys[next]! < lo) next++;
    for (let j = next; keys[j]! <= hi; j++) separate(state, a, bodies[sorted[j]!]!);
  }
}

/** Distance along the ray (ux, uy from (px, py), up to len) where it enters the circle, or -1. */
function rayCircle(px: number, py: number, ux: number, uy: number, len: number, cx: number, cy: number, r: number): number {
  const fx = px - cx;
  const fy = py - cy;
  const c = fx * fx + fy * fy - r * r;
  if (c <= 0) return 0;
  const b = fx * ux + fy * uy;
  if (b >= 0) return -1;
  const disc = b * b - c;
  if (disc < 0) return -1;
  const s = -b - Math.sqrt(disc);
  return s <= len ? Math.max(0, s) : -1;
}

function sweep(state: JsState, g: JsGrid, p: Body, ex: number, ey: number): number {
  const r = state.rules;
  const len = Math.hypot(p.vx, p.vy);
  if (len === 0) return -1;
  const ux = p.vx / len;
  const uy = p.vy / len;
  const pad = r.cellSize / 2;
  const rows = g.rowStarts.length - 1;
  const columns = g.columnStarts.length - 1;
  const cx0 = Math.max(0, Math.floor((Math.min(p.x, ex) - pad - r.minX) / r.cellSize));
  const cx1 = Math.min(columns - 1, Math.floor((Math.max(p.x, ex) + pad - r.minX) / r.cellSize));
  const cy0 = Math.max(0, Math.floor((Math.min(p.y, ey) - pad - r.minY) / r.cellSize));
  const cy1 = Math.min(rows - 1, Math.floor((Math.max(p.y, ey) + pad - r.minY) / r.cellSize));
  let best = -1;
  let bestS = Infinity;
  for (let cy = cy0; cy <= cy1; cy++) {
    const first = (cy << 16) | cx0;
    const last = (cy << 16) | cx1;
    let lo = g.rowStarts[cy]!;
    let hi = g.rowStarts[cy + 1]!;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (g.sortedKeys[mid]! < first) lo = mid + 1;
      else hi = mid;
    }
    for (let k = lo; g.sortedKeys[k]! <= last; k++) {
      const j = g.sorted[k]!;
      if (j === p.owner) continue;
      const b = state.bodies[j]!;
      if (b.flags & FLAG_DEAD) continue;
      const s = rayCircle(p.x, p.y, ux, uy, len, b.x, b.y, b.radius);
      if (s >= 0 && (s < bestS || (s === bestS && j < best))) {
        bestS = s;
        best = j;
      }
    }
  }
  return best;
}

/** One frame: `inputs` holds `players` records in the reference step's 12-byte layout. */
export function step(state: JsState, grid: JsGrid, inputs: DataView, players: number): void {
  const r = state.rules;
  const bodies = state.bodies;
  state.tick++;
  const high = state.highWater;
  for (let i = 0; i < high; i++) {
    const b = bodies[i]!;
    if ((b.flags & (FLAG_ALIVE | FLAG_NPC)) !== (FLAG_ALIVE | FLAG_NPC)) continue;
    if (b.timer <= 1) decide(state, b);
    else b.timer--;
    let x = b.x + b.vx;
    let y = b.y + b.vy;
    if (x < r.minX || x > r.maxX) {
      x = x < r.minX ? 2 * r.minX - x : 2 * r.maxX - x;
      b.vx = -b.vx;
      b.heading = Math.PI - b.heading;
    }
    if (y < r.minY || y > r.maxY) {
      y = y < r.minY ? 2 * r.minY - y : 2 * r.maxY - y;
      b.vy = -b.vy;
      b.heading = -b.heading;
    }
    b.x = x;
    b.y = y;
  }

  for (let p = 0; p < players; p++) {
    const o = p * INPUT_BYTES;
    const buttons = inputs.getUint8(o + 2);
    let slot = state.table[p]!;
    if (!(buttons & BUTTON_PRESENT)) {
      if (slot >= 0) {
        release(state, slot);
        state.table[p] = -1;
      }
      continue;
    }
    if (slot < 0) {
      slot = alloc(state, FLAG_PLAYER);
      if (slot < 0) continue;
      const b = bodies[slot]!;
      spawnPoint(state, b, false);
      b.radius = r.playerRadius;
      b.hp = r.playerHp;
      b.owner = p;
      state.table[p] = slot;
    }
    const b = bodies[slot]!;
    if (b.flags & FLAG_DEAD) {
      if (b.timer > 1) {
        b.timer--;
        continue;
      }
      b.flags &= ~FLAG_DEAD;
      b.hp = r.playerHp;
      b.timer = 0;
      spawnPoint(state, b, false);
    }
    const mx = Math.max(-127, inputs.getInt8(o));
    const my = Math.max(-127, inputs.getInt8(o + 1));
    const length = Math.max(127, Math.sqrt(mx * mx + my * my));
    b.vx = (mx * r.playerSpeed) / length;
    b.vy = (my * r.playerSpeed) / length;
    b.heading = (inputs.getUint16(o + 4, true) / 65536) * 2 * Math.PI;
    b.x = Math.min(r.maxX, Math.max(r.minX, b.x + b.vx));
    b.y = Math.min(r.maxY, Math.max(r.minY, b.y + b.vy));
    if (b.timer > 0) {
      b.timer--;
      continue;
    }
    if (buttons & BUTTON_SHOOT) {
      const target = inputs.getUint32(o + 8, true);
      const ts = target & 0xfffff;
      const t = bodies[ts];
      if (t && ts < state.highWater && ts !== slot && (t.flags & (FLAG_ALIVE | FLAG_DEAD)) === FLAG_ALIVE && t.flags & (FLAG_NPC | FLAG_PLAYER) && t.generation === target >>> 20) damage(state, ts, r.hitscanDamage);
      b.timer = r.cooldownTicks;
    } else if (buttons & BUTTON_FIRE) {
      const ps = alloc(state, FLAG_PROJECTILE);
      if (ps >= 0) {
        const q = bodies[ps]!;
        q.x = b.x;
        q.y = b.y;
        q.z = b.z;
        q.vx = Math.cos(b.heading) * r.projectileSpeed;
        q.vy = Math.sin(b.heading) * r.projectileSpeed;
        q.heading = b.heading;
        q.timer = r.projectileTicks;
        q.owner = slot;
      }
      b.timer = r.cooldownTicks;
    }
  }

  buildGrid(state, grid);

  for (let n = 0; n < grid.projectileCount; n++) {
    const ps = grid.projectiles[n]!;
    const q = bodies[ps]!;
    if (!(q.flags & FLAG_ALIVE)) continue;
    if (q.timer <= 1) {
      release(state, ps);
      continue;
    }
    q.timer--;
    const ex = q.x + q.vx;
    const ey = q.y + q.vy;
    const hit = sweep(state, grid, q, ex, ey);
    if (hit >= 0) {
      damage(state, hit, r.projectileDamage);
      release(state, ps);
      continue;
    }
    if (ex < r.minX || ex > r.maxX || ey < r.minY || ey > r.maxY) {
      release(state, ps);
      continue;
    }
    q.x = ex;
    q.y = ey;
  }

  collide(state, grid);
}

/**
 * The `js-pool` peer's snapshots: a ring of states preallocated in the live state's shape (Body
 * instances, arrays of the same lengths), saved and restored by copying fields, as a JavaScript
 * programmer who measured structuredClone would write it. Bodies at or above a state's
 * highWater were never allocated and stay pristine, so a copy covers [0, max(highWater of both)).
 */
export class JsStatePool {
  private readonly slots: JsState[];

  constructor(like: JsState, frames: number) {
    this.slots = Array.from({ length: frames }, () => emptyLike(like));
  }

  /** A state of the same shape to simulate in (fill it with load). */
  static working(like: JsState): JsState {
    return emptyLike(like);
  }

  save(slot: number, state: JsState): void {
    copyState(this.slots[slot]!, state);
  }

  load(slot: number, into: JsState): void {
    copyState(into, this.slots[slot]!);
  }
}

function emptyLike(like: JsState): JsState {
  const bodies: Body[] = [];
  for (let i = 0; i < like.bodies.length; i++) bodies.push(new Body());
  return { tick: 0, rng: [0, 0, 0, 0], bodies, free: [], highWater: 0, table: new Array<number>(like.table.length).fill(-1), kills: 0, rules: like.rules };
}

function copyState(dst: JsState, src: JsState): void {
  dst.tick = src.tick;
  const sr = src.rng, dr = dst.rng;
  dr[0] = sr[0]!;
  dr[1] = sr[1]!;
  dr[2] = sr[2]!;
  dr[3] = sr[3]!;
  const end = Math.max(dst.highWater, src.highWater);
  const sb = src.bodies, db = dst.bodies;
  for (let i = 0; i < end; i++) {
    const s = sb[i]!, d = db[i]!;
    d.flags = s.flags;
    d.generation = s.generation;
    d.x = s.x;
    d.y = s.y;
    d.z = s.z;
    d.vx = s.vx;
    d.vy = s.vy;
    d.heading = s.heading;
    d.timer = s.timer;
    d.radius = s.radius;
    d.hp = s.hp;
    d.owner = s.owner;
  }
  dst.highWater = src.highWater;
  const sf = src.free, df = dst.free;
  if (df.length > sf.length) df.length = sf.length;
  for (let i = 0; i < sf.length; i++) {
    if (i < df.length) df[i] = sf[i]!;
    else df.push(sf[i]!);
  }
  const st = src.table, dt = dst.table;
  for (let i = 0; i < st.length; i++) dt[i] = st[i]!;
  dst.kills = src.kills;
  dst.rules = src.rules;
}
