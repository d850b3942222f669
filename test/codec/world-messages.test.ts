// World mode's messages: every encoder and decoder are each other's inverse, and a decoder either
// rejects bytes whole (DecodeError) or returns values within the format's ranges: checked over
// every truncation, every single-byte mutation and random bytes, counting both outcomes.

import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../src/core/errors.js';
import {
  checkWireInput, decodeOwnState, decodeWorldHello, decodeWorldInput, decodeWorldJoin, emptyOwnState, encodeOwnState, encodeWorldHello,
  encodeWorldInput, encodeWorldJoin, readWireInput, INPUT_HEADER_BYTES, MAX_INPUTS_PER_MESSAGE, WIRE_INPUT_BYTES, NO_AVATAR, OWN_BYTES, WORLD_JOIN_BYTES, type OwnState, type WireInput, type WorldJoin,
} from '../../src/codec/world-messages.js';
import { SHOOTER_INPUT } from '../../src/codec/shooter-game.js';
import { DEFAULT_SIM_RULES } from '../../src/rollback/reference-game.js';
import { DEFAULT_LAG_COMPENSATION } from '../../src/rollback/lag-compensation.js';
import { mulberry32 } from '../helpers/wasm.js';

const JOIN: WorldJoin = {
  mode: 'play', sameAvatar: true, avatarId: (3 << 20) | 1234, serverTick: 99_000, lastAppliedSeq: 4321, seed: 7, tickHz: 60,
  bounds: { minX: -500, minY: -500, minZ: 0, maxX: 500, maxY: 500, maxZ: 100 },
  rules: { ...DEFAULT_SIM_RULES }, lagCompensation: { ...DEFAULT_LAG_COMPENSATION },
};

/** Runs `decode` on every truncation and every byte mutation of `bytes`; returns [accepted, rejected]. */
function mutate(bytes: Uint8Array, decode: (b: Uint8Array) => void): [number, number] {
  let accepted = 0, rejected = 0;
  const attempt = (b: Uint8Array) => {
    try {
      decode(b);
      accepted++;
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      rejected++;
    }
  };
  for (let n = 0; n < bytes.length; n++) attempt(bytes.slice(0, n));
  for (let i = 0; i < bytes.length; i++) for (const v of [0, 1, 0x7f, 0x80, 0xff]) {
    const b = bytes.slice();
    b[i] = v;
    attempt(b);
  }
  return [accepted, rejected];
}

describe('world messages', () => {
  it('round-trip HELLO, JOIN, INPUT and OWN', () => {
    expect(decodeWorldHello(encodeWorldHello({ mode: 'play', hub: 3 }))).toEqual({ mode: 'play', hub: 3 });
    expect(decodeWorldHello(encodeWorldHello({ mode: 'watch', hub: -1 }))).toEqual({ mode: 'watch', hub: -1 });
    expect(decodeWorldJoin(encodeWorldJoin(JOIN))).toEqual(JOIN);
    const watch = { ...JOIN, mode: 'watch' as const, avatarId: NO_AVATAR, sameAvatar: false };
    expect(decodeWorldJoin(encodeWorldJoin(watch))).toEqual(watch);
    const inputs: WireInput[] = [
      { moveX: -127, moveY: 127, buttons: 3, aim: 65535, viewTick: 65535, viewFraction: 255 },
      { moveX: 0, moveY: -1, buttons: 1, aim: 0, viewTick: 0, viewFraction: 0 },
    ];
    const bytes = encodeWorldInput(0xfffffff0, 2, (i) => inputs[i]!);
    const seen: [number, WireInput][] = [];
    expect(decodeWorldInput(bytes, (seq, off) => seen.push([seq, readWireInput(bytes, off)]))).toBe(2);
    expect(seen).toEqual([[0xfffffff0, inputs[0]], [0xfffffff1, inputs[1]]]);
    const own: OwnState = { serverTick: 123456, lastAppliedSeq: 99, queued: 3, avatarId: 77, x: -5, y: 1 << 30, z: 0, vx: -9, vy: 10, heading: -205887, timer: 180, hp: 100, flags: 5 };
    expect(decodeOwnState(encodeOwnState(own), emptyOwnState())).toEqual(own);
  });

  it('refuses to encode what the format cannot carry', () => {
    expect(() => encodeWorldInput(1, 0, () => JOIN as never)).toThrow();
    expect(() => encodeWorldInput(1, MAX_INPUTS_PER_MESSAGE + 1, () => ({ moveX: 0, moveY: 0, buttons: 0, aim: 0, viewTick: 0, viewFraction: 0 }))).toThrow();
    expect(() => encodeWorldInput(1, 1, () => ({ moveX: 128, moveY: 0, buttons: 0, aim: 0, viewTick: 0, viewFraction: 0 }))).toThrow(/moveX/);
    expect(() => encodeWorldInput(1, 1, () => ({ moveX: 0, moveY: 0, buttons: 128, aim: 0, viewTick: 0, viewFraction: 0 }))).toThrow(/buttons/);
    expect(() => encodeWorldInput(0xffffffff, 2, () => ({ moveX: 0, moveY: 0, buttons: 0, aim: 0, viewTick: 0, viewFraction: 0 }))).toThrow(/2\^32/);
    expect(() => encodeWorldJoin({ ...JOIN, avatarId: NO_AVATAR })).toThrow();
    expect(() => encodeWorldJoin({ ...JOIN, tickHz: NaN })).toThrow(/tickHz/);
  });

  it('JOIN: every mutation is rejected whole or decodes to a consistent join', () => {
    const [accepted, rejected] = mutate(encodeWorldJoin(JOIN), (b) => {
      const j = decodeWorldJoin(b);
      expect(j.mode === 'play').toBe(j.avatarId !== NO_AVATAR);
      expect(j.tickHz >= 1 && j.tickHz <= 1000).toBe(true);
      expect(j.bounds.minX < j.bounds.maxX && j.bounds.minY < j.bounds.maxY).toBe(true);
      for (const v of Object.values(j.rules)) expect(Number.isFinite(v)).toBe(true);
    });
    expect(rejected).toBeGreaterThan(WORLD_JOIN_BYTES); // every truncation and more
    expect(accepted).toBeGreaterThan(WORLD_JOIN_BYTES); // most value bytes are free to vary
  });

  it('INPUT: framing is rejected whole; records are checked one by one', () => {
    const bytes = encodeWorldInput(10, 3, (i) => ({ moveX: i, moveY: -i, buttons: i & 1, aim: i * 100, viewTick: 0, viewFraction: 0 }));
    let faults = 0, clean = 0;
    const [accepted, rejected] = mutate(bytes, (b) => {
      const n = decodeWorldInput(b, (seq, off) => {
        expect(seq).toBeGreaterThanOrEqual(0);
        if (checkWireInput(b, off) === null) {
          clean++;
          const r = readWireInput(b, off);
          expect(r.moveX).toBeGreaterThanOrEqual(-127);
          expect(r.moveY).toBeGreaterThanOrEqual(-127);
          expect(r.buttons & ~3).toBe(0);
        } else faults++;
      });
      expect(n).toBe(b[1]);
    });
    expect(rejected).toBeGreaterThanOrEqual(bytes.length); // truncations
    expect(accepted).toBeGreaterThan(0);
    expect(faults).toBeGreaterThan(0);
    expect(clean).toBeGreaterThan(0);
  });

  it('OWN and HELLO: random bytes are rejected or decode within range, never thrown otherwise', () => {
    const rand = mulberry32(4);
    let accepted = 0, rejected = 0;
    for (let i = 0; i < 5000; i++) {
      const b = new Uint8Array(rand() < 0.5 ? OWN_BYTES : Math.floor(rand() * 64));
      for (let j = 0; j < b.length; j++) b[j] = Math.floor(rand() * 256);
      if (rand() < 0.5 && b.length) b[0] = 0x54;
      if (rand() < 0.5 && b.length > 43) b[42] = b[43] = 0;
      try {
        const s = decodeOwnState(b, emptyOwnState());
        expect(s.flags).toBeLessThanOrEqual(0xffff);
        expect(s.timer).toBeLessThanOrEqual(0xffff);
        accepted++;
      } catch (err) {
        if (!(err instanceof DecodeError)) throw err;
        rejected++;
      }
      try {
        const h = decodeWorldHello(b.subarray(0, 4));
        expect(h.hub).toBeLessThan(255);
      } catch (err) {
        if (!(err instanceof DecodeError)) throw err;
      }
    }
    expect(accepted).toBeGreaterThan(100);
    expect(rejected).toBeGreaterThan(100);
  });
});

describe('INPUT records derived from the shooter declaration', () => {
  /** The hand-written record check world mode used before the declaration derived it. */
  function referenceCheck(b: Uint8Array, o: number): string | null {
    if (b[o] === 0x80 || b[o + 1] === 0x80) return 'move_out_of_range';
    if ((b[o + 2]! & ~3) !== 0) return 'unknown_buttons';
    if ((b[o + 2]! & 2) === 0 && (b[o + 3] !== 0 || b[o + 6] !== 0 || b[o + 7] !== 0)) return 'view_without_shoot';
    return null;
  }
  /** ... and its reader. */
  const referenceRead = (b: Uint8Array, o: number): WireInput => ({
    moveX: (b[o]! << 24) >> 24,
    moveY: (b[o + 1]! << 24) >> 24,
    buttons: b[o + 2]!,
    viewFraction: b[o + 3]!,
    aim: b[o + 4]! | (b[o + 5]! << 8),
    viewTick: b[o + 6]! | (b[o + 7]! << 8),
  });

  it('lays the record out at the documented offsets', () => {
    expect(WIRE_INPUT_BYTES).toBe(8);
    const offsets = ['moveX', 'moveY', 'fire', 'shoot', 'viewFraction', 'aim', 'viewTick'].map((n) => SHOOTER_INPUT.slotOf(n as never).offset);
    expect(offsets).toEqual([0, 1, 2, 2, 3, 4, 6]);
    const bytes = encodeWorldInput(7, 1, () => ({ moveX: -2, moveY: 5, buttons: 3, aim: 0x1234, viewTick: 0xbeef, viewFraction: 9 }));
    expect(Array.from(bytes.subarray(INPUT_HEADER_BYTES))).toEqual([0xfe, 5, 3, 9, 0x34, 0x12, 0xef, 0xbe]);
  });

  it('judges and reads every record as the hand-written layout did', () => {
    const rand = mulberry32(17);
    const b = new Uint8Array(8);
    const verdicts = new Map<string, number>();
    const check = () => {
      const want = referenceCheck(b, 0);
      expect(checkWireInput(b, 0)).toBe(want);
      if (want === null) expect(readWireInput(b, 0)).toEqual(referenceRead(b, 0));
      verdicts.set(String(want), (verdicts.get(String(want)) ?? 0) + 1);
    };
    // Every value of every byte of a clean SHOOT record and of a clean idle one...
    for (const base of [[1, 2, 3, 4, 5, 6, 7, 8], [0, 0, 1, 0, 0, 0, 0, 0]]) {
      for (let at = 0; at < 8; at++) {
        for (let v = 0; v < 256; v++) {
          b.set(base);
          b[at] = v;
          check();
        }
      }
    }
    // ... and random records, biased towards the small button values that matter.
    for (let i = 0; i < 20_000; i++) {
      for (let j = 0; j < 8; j++) b[j] = Math.floor(rand() * 256);
      if (rand() < 0.5) b[2] = Math.floor(rand() * 4);
      if (rand() < 0.3) b[3] = b[6] = b[7] = 0;
      check();
    }
    for (const v of ['null', 'move_out_of_range', 'unknown_buttons', 'view_without_shoot']) expect(verdicts.get(v)).toBeGreaterThan(50);
  });
});
