// Entity ids, the event bus, the fixed-step clock and config resolution.

import { describe, expect, it, vi } from 'vitest';
import { GENERATION_MASK, MAX_ENTITIES, generationOf, isEntityIdShape, makeEntityId, slotOf } from '../../src/core/entity-id.js';
import { EventBus } from '../../src/core/event-bus.js';
import { FixedStepClock } from '../../src/core/clock.js';
import { DEFAULT_CONFIG, resolveConfig, worldBounds } from '../../src/core/config.js';
import { ChronosError, ConfigError } from '../../src/core/errors.js';

describe('entity ids', () => {
  it('pack slot and generation and unpack them again', () => {
    for (const [slot, generation] of [[0, 0], [1, 1], [MAX_ENTITIES - 1, GENERATION_MASK], [12345, 77]] as const) {
      const id = makeEntityId(slot, generation);
      expect(isEntityIdShape(id)).toBe(true);
      expect(slotOf(id)).toBe(slot);
      expect(generationOf(id)).toBe(generation);
    }
  });

  it('wrap the generation at 12 bits', () => {
    expect(generationOf(makeEntityId(3, GENERATION_MASK + 1))).toBe(0);
  });
});

describe('EventBus', () => {
  type Events = { joined: { id: number }; tick: number };

  it('delivers to listeners in order and stops after unsubscribe', () => {
    const bus = new EventBus<Events>();
    const seen: string[] = [];
    const off = bus.on('joined', (e) => seen.push(`a${e.id}`));
    bus.on('joined', (e) => seen.push(`b${e.id}`));
    bus.emit('joined', { id: 1 });
    off();
    bus.emit('joined', { id: 2 });
    expect(seen).toEqual(['a1', 'b1', 'b2']);
    expect(bus.listenerCount('joined')).toBe(1);
  });

  it('delivers once-listeners a single time', () => {
    const bus = new EventBus<Events>();
    const fn = vi.fn();
    bus.once('tick', fn);
    bus.emit('tick', 1);
    bus.emit('tick', 2);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(fn).toHaveBeenCalledWith(1);
  });

  it('still runs every listener when one throws, then rethrows', () => {
    const bus = new EventBus<Events>();
    const after = vi.fn();
    bus.on('tick', () => {
      throw new Error('boom');
    });
    bus.on('tick', after);
    expect(() => bus.emit('tick', 5)).toThrow('boom');
    expect(after).toHaveBeenCalledWith(5);
    bus.on('tick', () => {
      throw new Error('again');
    });
    expect(() => bus.emit('tick', 6)).toThrow(AggregateError);
  });

  it('does not deliver to listeners added during an emit until the next one', () => {
    const bus = new EventBus<Events>();
    const late = vi.fn();
    bus.on('tick', () => bus.on('tick', late));
    bus.emit('tick', 1);
    expect(late).not.toHaveBeenCalled();
    bus.emit('tick', 2);
    expect(late).toHaveBeenCalledTimes(1);
  });
});

describe('FixedStepClock', () => {
  it('turns elapsed time into whole 60 Hz ticks and keeps the remainder', () => {
    const clock = new FixedStepClock();
    expect(clock.advance(1000)).toBe(0);
    expect(clock.advance(1000 + 50)).toBe(3);
    expect(clock.alpha).toBeCloseTo(0, 5);
    expect(clock.advance(1000 + 60)).toBe(0);
    let ticks = 3;
    for (let t = 1080; t <= 2000; t += 20) ticks += clock.advance(t);
    expect(ticks).toBe(60);
    expect(clock.tick).toBe(60);
  });

  it('runs exactly tickHz ticks per second over a long jittery run', () => {
    const clock = new FixedStepClock({ tickHz: 60 });
    let now = 0;
    clock.advance(now);
    let ticks = 0;
    for (let i = 0; i < 10_000; i++) {
      now += 1 + ((i * 7919) % 13);
      ticks += clock.advance(now);
    }
    expect(Math.abs(ticks - (now / 1000) * 60)).toBeLessThanOrEqual(1);
    expect(clock.overruns).toBe(0);
  });

  it('bounds catch-up after a stall and counts the overrun and dropped ticks', () => {
    const clock = new FixedStepClock({ tickHz: 60, maxCatchUpTicks: 5 });
    clock.advance(0);
    expect(clock.advance(2000)).toBe(5);
    expect(clock.overruns).toBe(1);
    expect(clock.droppedTicks).toBe(115); // 120 due, 5 run
    expect(clock.advance(2000 + 1000 / 60)).toBe(1);
  });

  it('ignores time going backwards and non-finite times', () => {
    const clock = new FixedStepClock();
    clock.advance(100);
    expect(clock.advance(50)).toBe(0);
    expect(clock.advance(Number.NaN)).toBe(0);
    expect(clock.advance(50 + 1000 / 60 + 0.01)).toBe(1);
  });

  it('rejects nonsense rates', () => {
    expect(() => new FixedStepClock({ tickHz: 0 })).toThrow(ConfigError);
    expect(() => new FixedStepClock({ maxCatchUpTicks: 0 })).toThrow(ConfigError);
  });
});

describe('config', () => {
  it('has defaults that describe the demo world', () => {
    const c = resolveConfig();
    expect(c).toMatchObject({ worldSizeM: 10_000, tickHz: 60, npcs: 2000, httpPort: 8080, udpPort: 7777 });
    expect(worldBounds(c)).toEqual({ minX: -5000, minY: -5000, minZ: 0, maxX: 5000, maxY: 5000, maxZ: 100 });
  });

  it('merges partial values, nested npc options included', () => {
    const c = resolveConfig({ npcs: 5, npc: { idlePercent: 0 } });
    expect(c.npcs).toBe(5);
    expect(c.npc.idlePercent).toBe(0);
    expect(c.npc.topSpeedMps).toBe(DEFAULT_CONFIG.npc.topSpeedMps);
  });

  it('rejects each bad field with a ConfigError that names it', () => {
    const bad: [Record<string, unknown>, string][] = [
      [{ httpPort: 70000 }, 'httpPort'],
      [{ udpPort: -1 }, 'udpPort'],
      [{ npcs: 1.5 }, 'npcs'],
      [{ seed: 2 ** 32 }, 'seed'],
      [{ tickHz: Number.NaN }, 'tickHz'],
      [{ worldSizeM: 100_000 }, 'worldSizeM'],
      [{ host: '' }, 'host'],
      [{ trustedProxies: [''] }, 'trustedProxies'],
    ];
    for (const [partial, option] of bad) {
      try {
        resolveConfig(partial as never);
        expect.unreachable(option);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        expect(err).toBeInstanceOf(ChronosError);
        expect((err as ConfigError).option).toBe(option);
        expect((err as ConfigError).code).toBe('E_CONFIG');
      }
    }
  });
});
