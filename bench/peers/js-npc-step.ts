// The NPC wander step written the way a JavaScript game server usually is: one object per
// entity, f64 math, Math.sin/cos, and the same xoshiro128** draws per decision. It is the
// `js-objects` peer of npc-step-*: same behaviour as assembly/npc.ts, idiomatic and monomorphic
// (a class with a fixed shape, a plain for loop), not deliberately slow.

class Npc {
  constructor(
    public x: number,
    public y: number,
    public z: number,
    public vx: number,
    public vy: number,
    public heading: number,
    public timer: number,
  ) {}
}

class Xoshiro128 {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let x = s;
      x = Math.imul(x ^ (x >>> 16), 0x21f0aaad);
      x = Math.imul(x ^ (x >>> 15), 0x735a2d97);
      return (x ^ (x >>> 15)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
  }

  next(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + (this.next() / 4294967296) * (hi - lo);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

export interface JsWorldOptions {
  count: number;
  seed: number;
  halfSizeM: number;
  heightM: number;
  topSpeedPerTick: number;
  wanderMinTicks: number;
  wanderMaxTicks: number;
  idlePercent: number;
}

export class JsNpcWorld {
  readonly npcs: Npc[] = [];
  private readonly rng: Xoshiro128;
  tick = 0;

  constructor(private readonly o: JsWorldOptions) {
    this.rng = new Xoshiro128(o.seed);
    for (let i = 0; i < o.count; i++) {
      const npc = new Npc(
        this.rng.range(-o.halfSizeM, o.halfSizeM),
        this.rng.range(-o.halfSizeM, o.halfSizeM),
        this.rng.range(0, o.heightM),
        0,
        0,
        this.rng.range(-Math.PI, Math.PI),
        0,
      );
      this.decide(npc);
      this.npcs.push(npc);
    }
  }

  private decide(npc: Npc): void {
    const o = this.o;
    npc.heading += this.rng.range(-Math.PI / 2, Math.PI / 2);
    if (npc.heading > Math.PI) npc.heading -= 2 * Math.PI;
    else if (npc.heading < -Math.PI) npc.heading += 2 * Math.PI;
    const idle = this.rng.range(0, 100) < o.idlePercent;
    const speed = idle ? 0 : this.rng.range(o.topSpeedPerTick / 4, o.topSpeedPerTick);
    npc.vx = Math.cos(npc.heading) * speed;
    npc.vy = Math.sin(npc.heading) * speed;
    npc.timer = Math.floor(this.rng.range(o.wanderMinTicks, o.wanderMaxTicks + 1));
  }

  step(): void {
    this.tick++;
    const half = this.o.halfSizeM;
    const npcs = this.npcs;
    for (let i = 0; i < npcs.length; i++) {
      const npc = npcs[i]!;
      if (npc.timer <= 1) this.decide(npc);
      else npc.timer--;
      let x = npc.x + npc.vx;
      let y = npc.y + npc.vy;
      if (x < -half || x > half) {
        x = x < -half ? -2 * half - x : 2 * half - x;
        npc.vx = -npc.vx;
        npc.heading = Math.PI - npc.heading;
      }
      if (y < -half || y > half) {
        y = y < -half ? -2 * half - y : 2 * half - y;
        npc.vy = -npc.vy;
        npc.heading = -npc.heading;
      }
      npc.x = x;
      npc.y = y;
    }
  }
}
