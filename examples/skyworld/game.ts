// Skyworld's declaration: a multi-level 3D world (ground, caves, platforms up to 128 m, ramps,
// ladders) written against the engine's public game API only. It exists to show that the API
// is not shaped around the demo shooter: dozens of entity types generated from families, a
// height axis with its own range and precision, animation state, owner-only inventories and
// server-only AI, all derived into storage and wire format by defineGame.

import { defineGame } from '../../src/web/sdk.js';

/** Horizontal positions: the map is 1 km across, 1/64 m is below what a player can see. */
const HORIZONTAL = { type: 'q16', unit: 'm', min: -512, max: 512, precision: 1 / 64 } as const;
/** Velocities in m per tick: ±4 m/tick (240 m/s) holds any fall, 1/1024 keeps slow drifts. */
const VELOCITY = { type: 'q16', unit: 'm/tick', min: -4, max: 4, precision: 1 / 1024 } as const;
const AXIS = { type: 'q16', min: -1, max: 1, precision: 1 / 127 } as const;
const YAW = { type: 'q16', unit: 'rad', min: -Math.PI, max: Math.PI, wrap: true } as const;

/** Animation clips, in wire order: the sim picks one from the entity's motion every tick. */
export const CLIPS = ['idle', 'walk', 'run', 'jump', 'fall', 'climb', 'fly', 'glide', 'spin', 'burn'] as const;
export type Clip = (typeof CLIPS)[number];
export const LOOT_KINDS = ['gold', 'key', 'potion'] as const;

/** Entity families: the sim switches on a type's family, never on its name. */
export const FAMILY = { player: 0, walker: 1, climber: 2, flyer: 3, prop: 4, animatedProp: 5, pickup: 6, projectile: 7, shooter: 8 } as const;
export type Family = (typeof FAMILY)[keyof typeof FAMILY];

/** Per-type tuning the sim reads by type index: speed in m/s, hit points, loot. */
export interface TypeTraits {
  readonly family: Family;
  readonly speed: number;
  readonly hp: number;
  readonly loot?: { readonly kind: (typeof LOOT_KINDS)[number]; readonly amount: number };
}

// Family -> components. Flyers carry no `body`: they never stand on anything, so level and
// grounded would be meaningless for them. Props have no velocity or ai: they never move, so
// the encoder never even looks at motion columns for them.
const MOBILE = ['position', 'velocity', 'facing', 'body', 'anim', 'health', 'ai'];
const COMPONENTS_OF: Readonly<Record<Family, readonly string[]>> = {
  [FAMILY.player]: ['position', 'velocity', 'facing', 'body', 'anim', 'health', 'inventory', 'zapper'],
  [FAMILY.walker]: MOBILE,
  [FAMILY.climber]: MOBILE,
  [FAMILY.flyer]: ['position', 'velocity', 'facing', 'anim', 'health', 'ai'],
  [FAMILY.prop]: ['position', 'facing', 'body'],
  [FAMILY.animatedProp]: ['position', 'facing', 'body', 'anim'],
  [FAMILY.pickup]: ['position', 'anim', 'loot'],
  [FAMILY.projectile]: ['position', 'velocity', 'projectile'],
  [FAMILY.shooter]: ['position', 'facing', 'body', 'health', 'ai'],
};

/** Name -> traits, generated from short family lists (61 types). */
function traits(): Record<string, TypeTraits> {
  const out: Record<string, TypeTraits> = { player: { family: FAMILY.player, speed: 6, hp: 100 } };
  const add = (family: Family, names: readonly string[], speed: number, hp: number): void => {
    names.forEach((n, i) => (out[n] = { family, speed: speed * (1 + (i % 4) / 4), hp: Math.min(500, hp * (1 + (i % 5))) }));
  };
  add(FAMILY.walker, ['goblin', 'wolf', 'boar', 'knight', 'villager', 'merchant', 'guard', 'skeleton', 'slime', 'troll', 'golem', 'deer'], 2, 40);
  add(FAMILY.climber, ['spider', 'monkey', 'lizard', 'gecko', 'bandit', 'vinecrawler'], 1.5, 30);
  add(FAMILY.flyer, ['bat', 'crow', 'eagle', 'dragonfly', 'wisp', 'drone', 'griffin', 'owl'], 4, 20);
  add(FAMILY.prop, ['crate', 'barrel', 'statue', 'bench', 'tree', 'bush', 'rock', 'sign', 'chest', 'cart', 'anvil', 'pillar'], 0, 0);
  add(FAMILY.animatedProp, ['torch', 'windmill', 'banner', 'fountain', 'campfire'], 0, 0);
  add(FAMILY.projectile, ['arrow', 'fireball', 'boulder', 'spear', 'bolt'], 0, 0);
  add(FAMILY.shooter, ['archer_tower', 'cannon', 'ballista'], 0, 200);
  const loot: [string, (typeof LOOT_KINDS)[number], number][] = [
    ['coin', 'gold', 1], ['gold_pile', 'gold', 25], ['gem', 'gold', 100], ['key_bronze', 'key', 1], ['key_silver', 'key', 1],
    ['key_gold', 'key', 2], ['potion_red', 'potion', 1], ['potion_blue', 'potion', 1], ['potion_green', 'potion', 3],
  ];
  for (const [n, kind, amount] of loot) out[n] = { family: FAMILY.pickup, speed: 0, hp: 0, loot: { kind, amount } };
  return out;
}

export const TYPE_TRAITS: Readonly<Record<string, TypeTraits>> = traits();

export const SKYWORLD = defineGame({
  name: 'skyworld',
  components: {
    // Height has its own range: nothing is below the ground or above the highest platform.
    position: { fields: { x: HORIZONTAL, y: HORIZONTAL, z: { ...HORIZONTAL, min: 0, max: 256 } } },
    // Velocity feeds client extrapolation only; positions go every tick, so half rate is enough.
    velocity: { fields: { x: VELOCITY, y: VELOCITY, z: VELOCITY }, rate: 'normal' },
    facing: { fields: { yaw: { ...YAW, bits: 10 } } },
    body: {
      fields: {
        level: { type: 'u32', min: 0, max: 7 },
        grounded: { type: 'bool', default: true },
        climbing: { type: 'bool' },
        flying: { type: 'bool' },
      },
    },
    // The clip must switch on the tick the motion does; frame and playback speed advance
    // predictably, so a client interpolates them from half-rate updates.
    anim: {
      fields: {
        clip: { type: 'enum', values: CLIPS, rate: 'high' },
        frame: { type: 'u32', min: 0, max: 255 },
        speed: { type: 'q16', min: 0, max: 4, bits: 8, default: 1 },
      },
      rate: 'normal',
    },
    health: { fields: { hp: { type: 'i32', unit: 'hit points', min: 0, max: 500 } }, rate: 'low' },
    // What a player carries is nobody else's business.
    inventory: {
      fields: {
        gold: { type: 'u32', min: 0, max: 1_000_000 },
        keys: { type: 'u32', min: 0, max: 15 },
        potions: { type: 'u32', min: 0, max: 99 },
      },
      replicate: 'owner',
    },
    // The player's zapper: a hitscan judged by lag compensation (sim.ts). Its owner's HUD shows
    // the hits and the cooldown; low rate: a predicting page follows them, it does not predict them.
    zapper: {
      fields: {
        cooldown: { type: 'u32', unit: 'ticks', min: 0, max: 63 },
        hits: { type: 'u32', min: 0, max: 1_000_000 },
      },
      replicate: 'owner',
      rate: 'low',
    },
    // An NPC's plan and its countdown never leave the server.
    ai: { fields: { goal: { type: 'u32' }, timer: { type: 'u32', unit: 'ticks' } }, replicate: 'server' },
    // What a pickup gives: clients render it, it never changes while the pickup lives.
    loot: { fields: { kind: { type: 'enum', values: LOOT_KINDS }, amount: { type: 'u32', min: 0, max: 1000 } }, rate: 'low' },
    // Damage is shown on impact (client-side prediction of the hit); the lifetime is server-only.
    projectile: {
      fields: {
        damage: { type: 'u32', min: 0, max: 100 },
        ttl: { type: 'u32', unit: 'ticks', min: 0, max: 255, replicate: 'server' },
      },
      rate: 'low',
    },
  },
  types: Object.fromEntries(Object.entries(TYPE_TRAITS).map(([name, t]) => [name, COMPONENTS_OF[t.family]])),
  input: {
    moveX: AXIS,
    moveY: AXIS,
    jump: { type: 'bool' },
    climb: { type: 'bool' },
    // The flight mode the player wants, not a press: a level survives a lost input record,
    // an edge would desynchronise the toggle.
    fly: { type: 'bool' },
    aim: { ...YAW, bits: 16 },
    // Held to fire the zapper along the aim; viewTick is the tick of the newest snapshot the
    // client showed (its low 16 bits): the server judges the shot against that tick's world.
    zap: { type: 'bool' },
    viewTick: { type: 'u32', unit: 'tick (low 16 bits)', min: 0, max: 0xffff },
  },
});

export type SkyworldDeclaration = typeof SKYWORLD.declaration;

/** The zapper: its reach (metres), what a hit takes, the ticks between shots. */
export const ZAP_RANGE_M = 40;
export const ZAP_DAMAGE = 25;
export const ZAP_COOLDOWN = 20;
/**
 * Skyworld's events (sim.ts announces them after each step, DeclaredServer.emit sends them): a
 * zap hit where it struck, a creature or player knocked out where it fell, heard within
 * ZAP_EVENT_RANGE_M in 3D (a blast on the ground is not heard on a platform 40 m up). The payload:
 * the zapper's avatar (u32) and the type index of what it hit (u16).
 */
export const EVENT_ZAP_HIT = 1;
export const EVENT_KNOCKOUT = 2;
export const ZAP_EVENT_RANGE_M = 30;

/** An event's payload: who zapped (its avatar), and the type index of what it hit. */
export function zapPayload(payload: Uint8Array): { zapper: number; type: number } {
  if (payload.byteLength < 6) return { zapper: -1, type: -1 };
  const v = new DataView(payload.buffer, payload.byteOffset, 6);
  return { zapper: v.getUint32(0, true), type: v.getUint16(4, true) };
}
export type SkyworldInput = { moveX: number; moveY: number; jump: boolean; climb: boolean; fly: boolean; aim: number; zap: boolean; viewTick: number };
export const IDLE_INPUT: Readonly<SkyworldInput> = { moveX: 0, moveY: 0, jump: false, climb: false, fly: false, aim: 0, zap: false, viewTick: 0 };

/** Traits by type index (the store's typeColumn holds index + 1). */
export const TRAITS_BY_INDEX: readonly TypeTraits[] = SKYWORLD.types.map((t) => TYPE_TRAITS[t.name]!);
export const typeNamesOf = (family: Family): string[] => Object.keys(TYPE_TRAITS).filter((n) => TYPE_TRAITS[n]!.family === family);
