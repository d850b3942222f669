// The seed's five player archetypes as bots play them: shares apportioned exactly, each spawned
// at its kind of hub, moving at its speed relative to the rules' player speed, leashed home,
// traders going town to town, combatants shooting at a body in view (hitscan) or, with nobody
// in reach, firing a projectile.

import { describe, expect, it } from 'vitest';
import { apportion } from '../../src/core/apportion.js';
import { FLAG_NPC, FLAG_PLAYER, FLAG_PROJECTILE } from '../../src/core/world-layout.js';
import {
  ARCHETYPE_SHARES, ARCHETYPE_TABLE, ArchetypeBrain, archetypeHub, assignArchetypes, PLAYER_ARCHETYPES, type BodiesInView, type BotInput, type PlayerArchetype,
} from '../../bench/archetypes.js';
import { worldHubs } from '../../bench/hubs.js';

const bounds = { minX: -5000, minY: -5000, minZ: 0, maxX: 5000, maxY: 5000, maxZ: 20 };
const hubs = worldHubs(1, bounds);
const SPEED = 6;

function brain(archetype: PlayerArchetype, seed = 1, homeHub?: number): ArchetypeBrain {
  let r = seed;
  const rand = () => ((r = (r * 16807) % 2147483647) / 2147483647);
  return new ArchetypeBrain({ archetype, hubs, homeHub: homeHub ?? archetypeHub(archetype, hubs, rand), playerSpeedMps: SPEED, shotRangeM: 100, bounds, seed });
}

const input = (): BotInput => ({ moveX: 0, moveY: 0, aimRad: 0, fire: false, shoot: false });

/** Runs a brain over a straight-line world for `seconds` at 20 Hz; returns the path's end and the inputs seen. */
function walk(b: ArchetypeBrain, x0: number, y0: number, seconds: number, view: BodiesInView | null = null) {
  let x = x0, y = y0;
  const out = input();
  const speeds: number[] = [];
  let shots = 0, fires = 0;
  for (let t = 0; t < seconds * 1000; t += 50) {
    b.think(x, y, t, view, 999, out);
    const v = Math.hypot(out.moveX, out.moveY) * SPEED;
    speeds.push(v);
    x += out.moveX * SPEED * 0.05;
    y += out.moveY * SPEED * 0.05;
    if (out.shoot) shots++;
    if (out.fire) fires++;
  }
  return { x, y, speeds, shots, fires, out };
}

describe('player archetypes', () => {
  it('apportions the five shares exactly for every prefix a whole number allows', () => {
    expect(ARCHETYPE_SHARES.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    const count = (list: string[]) => PLAYER_ARCHETYPES.map((a) => list.filter((x) => x === a).length);
    expect(count(assignArchetypes(20))).toEqual([5, 6, 4, 3, 2]);
    expect(count(assignArchetypes(1000))).toEqual([250, 300, 200, 150, 100]);
    const seq = apportion([0.25, 0.3, 0.2, 0.15, 0.1], 500);
    for (let n = 1; n <= 500; n++) {
      const c = [0, 0, 0, 0, 0];
      for (let i = 0; i < n; i++) c[seq[i]!]!++;
      c.forEach((k, j) => expect(Math.abs(k - n * ARCHETYPE_SHARES[j]!)).toBeLessThan(1.5));
    }
  });

  it('spawns each archetype at its kind of hub', () => {
    let s = 3;
    const rand = () => ((s = (s * 48271) % 2147483647) / 2147483647);
    for (let i = 0; i < 200; i++) {
      expect(hubs[archetypeHub('socializer', hubs, rand)]!.kind).toBe('town');
      expect(hubs[archetypeHub('trader', hubs, rand)]!.kind).toBe('town');
      expect(hubs[archetypeHub('builder', hubs, rand)]!.kind).toBe('town');
      expect(hubs[archetypeHub('combatant', hubs, rand)]!.kind).toBe('battle');
    }
    const explorerKinds = new Set(Array.from({ length: 300 }, () => hubs[archetypeHub('explorer', hubs, rand)]!.kind));
    expect(explorerKinds).toEqual(new Set(['centre', 'town', 'battle']));
  });

  it('moves each archetype at its speed, scaled to the rules player speed', () => {
    for (const a of PLAYER_ARCHETYPES) {
      const spec = ARCHETYPE_TABLE[a];
      const home = hubs[brain(a).homeHub]!;
      const { speeds } = walk(brain(a, 5), home.x, home.y, 30);
      for (const v of speeds) {
        expect(v).toBeLessThanOrEqual(Math.max(spec.maxSpeedMps, a === 'builder' ? 2 : 0) + 1e-9);
        if (a !== 'socializer' && a !== 'builder') expect(v).toBeCloseTo(spec.maxSpeedMps, 6);
      }
    }
  });

  it('keeps leashed archetypes near home and sends traders from town to town', () => {
    for (const a of ['socializer', 'combatant'] as const) {
      const b = brain(a, 9);
      const home = hubs[b.homeHub]!;
      const end = walk(b, home.x, home.y, 120);
      expect(Math.hypot(end.x - home.x, end.y - home.y)).toBeLessThan(ARCHETYPE_TABLE[a].leashM + 10);
    }
    const t = brain('trader', 4);
    const start = hubs[t.homeHub]!;
    const end = walk(t, start.x, start.y, 600);
    const towns = hubs.filter((h) => h.kind === 'town');
    // Ten minutes at 4 m/s: it left its town and is on a line between towns (or at one).
    expect(Math.hypot(end.x - start.x, end.y - start.y)).toBeGreaterThan(100);
    expect(towns.some((h) => Math.hypot(h.x - start.x, h.y - start.y) > 100)).toBe(true);
  });

  it('turns explorers back from the edge of the world', () => {
    const b = brain('explorer', 2);
    const end = walk(b, bounds.maxX - 5, 0, 120);
    expect(end.x).toBeLessThan(bounds.maxX);
    expect(end.x).toBeGreaterThan(bounds.minX);
  });

  it('has combatants shoot at the nearest body in view, or fire a projectile with nobody in reach', () => {
    const b = brain('combatant', 7);
    const home = hubs[b.homeHub]!;
    const view: BodiesInView = {
      count: 4,
      ids: [999, 5, 6, 7],
      x: [home.x, home.x + 30, home.x, home.x - 10],
      y: [home.y, home.y, home.y + 80, home.y - 10],
      state: [FLAG_PLAYER, FLAG_NPC, FLAG_PLAYER, FLAG_PROJECTILE],
    };
    const out = input();
    let shot = false;
    for (let t = 0; t < 10_000 && !shot; t += 50) {
      b.think(home.x, home.y, t, b.wantsView(t) ? view : null, 999, out);
      if (out.shoot) {
        shot = true;
        // The nearest body (not itself, not the projectile): the NPC 30 m east.
        expect(out.aimRad).toBeCloseTo(0, 6);
        expect(out.fire).toBe(false);
      }
    }
    expect(shot).toBe(true);
    const lonely = brain('combatant', 8);
    const h = hubs[lonely.homeHub]!;
    const far: BodiesInView = { count: 1, ids: [5], x: [h.x + 500], y: [h.y], state: [FLAG_NPC] };
    const r = walk(lonely, h.x, h.y, 20, far);
    expect(r.shots).toBe(0);
    expect(r.fires).toBeGreaterThan(0);
    expect(lonely.counters.projectiles).toBeGreaterThan(3);
    // Nobody else shoots.
    expect(walk(brain('socializer', 3), hubs[1]!.x, hubs[1]!.y, 30, view).shots + walk(brain('explorer', 3), 0, 0, 30, view).fires).toBe(0);
  });
});
