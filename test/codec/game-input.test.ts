// The declared input record on the wire (src/codec/game-input.ts) with the shooter's input:
// its size, the round trip within each field's quantisation, encode refusing bad values without
// writing a byte, and decode refusing short, out-of-range and padded records with DecodeError.

import { describe, expect, it } from 'vitest';
import { GameInputCodec, type GameInput } from '../../src/codec/game-input.js';
import { DecodeError, InvalidArgumentError, InvalidValueError } from '../../src/core/errors.js';
import { mulberry32 } from '../../src/core/mulberry32.js';
import { SHOOTER_GAME, type ShooterDeclaration } from '../../bench/shooter-game.js';

type Input = GameInput<ShooterDeclaration>;
const codec = new GameInputCodec(SHOOTER_GAME);
const TAU = 2 * Math.PI;
/** Bits of moveX, moveY, fire, shoot, viewFraction, aim, viewTick. */
const FIELD_BITS = [8, 8, 1, 1, 8, 16, 16];
const BITS = FIELD_BITS.reduce((a, b) => a + b, 0);

const VALID: Input = { moveX: 0.5, moveY: -1, aim: 1, fire: true, shoot: false, viewTick: 65535, viewFraction: 255 };

function randomInput(rand: () => number): Input {
  return {
    moveX: Math.round(rand() * 254 - 127) / 127,
    moveY: rand() * 2 - 1,
    aim: (rand() * 2 - 1) * 10,
    fire: rand() < 0.5,
    shoot: rand() < 0.5,
    viewTick: Math.floor(rand() * 65536),
    viewFraction: Math.floor(rand() * 256),
  };
}

const circular = (a: number, b: number): number => Math.abs(a - b - TAU * Math.round((a - b) / TAU));

describe('GameInputCodec: size and round trip', () => {
  it('takes the ceiling of the fields\' bits over 8 bytes', () => {
    expect(codec.fields.map((f) => f.rawBits)).toEqual(FIELD_BITS);
    expect(BITS).toBe(58);
    expect(codec.bytes).toBe(Math.ceil(BITS / 8));
    expect(codec.bytes).toBe(8);
    expect(codec.encode(VALID).byteLength).toBe(8);
  });

  it('decodes 2,000 random inputs to within each field\'s quantisation', () => {
    const rand = mulberry32(21);
    let worstY = 0;
    let worstAim = 0;
    for (let i = 0; i < 2000; i++) {
      const x = randomInput(rand);
      const bytes = codec.encode(x);
      const y = codec.decode(bytes);
      expect(Object.keys(y).sort()).toEqual(Object.keys(x).sort());
      // moveX is a multiple of 1/127: it comes back exactly (fromCode divides by 127).
      expect((y.moveX as number) - (x.moveX as number)).toBe(0);
      worstY = Math.max(worstY, Math.abs((y.moveY as number) - (x.moveY as number)));
      worstAim = Math.max(worstAim, circular(y.aim as number, x.aim as number));
      expect(y.aim as number).toBeGreaterThanOrEqual(0);
      expect(y.aim as number).toBeLessThan(TAU);
      expect([y.fire, y.shoot, y.viewTick, y.viewFraction]).toEqual([x.fire, x.shoot, x.viewTick, x.viewFraction]);
      // What a server decodes re-encodes to the same bytes.
      expect(codec.encode(y)).toEqual(bytes);
    }
    expect(worstY).toBeLessThanOrEqual(1 / 254 + 1 / 65536);
    expect(worstY).toBeGreaterThan(1 / 508);
    expect(worstAim).toBeLessThanOrEqual(TAU / 65536 / 2 + 1 / 65536);
  });

  it('keeps the ends of every range', () => {
    const lo: Input = { moveX: -1, moveY: -1, aim: 0, fire: false, shoot: false, viewTick: 0, viewFraction: 0 };
    const hi: Input = { moveX: 1, moveY: 1, aim: TAU - TAU / 65536, fire: true, shoot: true, viewTick: 65535, viewFraction: 255 };
    expect(codec.decode(codec.encode(lo))).toEqual(lo);
    const back = codec.decode(codec.encode(hi));
    expect({ ...back, aim: 0 }).toEqual({ ...hi, aim: 0 });
    expect(back.aim).toBeCloseTo(hi.aim as number, 12);
    // LSB first, each field as code - codeMin: the lowest codes are all zeros, the highest all
    // ones but the moves' top code 254 and the 6 padding bits.
    expect(Array.from(codec.encode(lo))).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(codec.encode(hi))).toEqual([0xfe, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0x03]);
  });
});

describe('GameInputCodec.encode refuses bad input and writes nothing', () => {
  const bad: [string, unknown][] = [
    ['moveX NaN', { ...VALID, moveX: NaN }],
    ['aim NaN', { ...VALID, aim: NaN }],
    ['aim Infinity', { ...VALID, aim: Infinity }],
    ['moveY -Infinity', { ...VALID, moveY: -Infinity }],
    ['moveX 1.5', { ...VALID, moveX: 1.5 }],
    ['moveY -1.01', { ...VALID, moveY: -1.01 }],
    ['moveX as a string', { ...VALID, moveX: '0.5' }],
    ['viewFraction missing', (({ viewFraction: _, ...rest }) => rest)(VALID)],
    ['moveX missing', (({ moveX: _, ...rest }) => rest)(VALID)],
    ['viewTick 70000', { ...VALID, viewTick: 70000 }],
    ['viewTick -1', { ...VALID, viewTick: -1 }],
    ['viewTick 1.5', { ...VALID, viewTick: 1.5 }],
    ['viewFraction 256 (the last field)', { ...VALID, viewFraction: 256 }],
    ['fire 1', { ...VALID, fire: 1 }],
    ['shoot "true"', { ...VALID, shoot: 'true' }],
    ['null', null],
    ['a number', 42],
    ['a string', 'input'],
    ['undefined', undefined],
  ];

  it.each(bad)('%s', (_what, input) => {
    const out = new Uint8Array(codec.bytes + 4).fill(0xa5);
    expect(() => codec.encode(input as Input, out, 2)).toThrow(InvalidValueError);
    expect(out).toEqual(new Uint8Array(codec.bytes + 4).fill(0xa5));
  });

  it('names the field it refuses', () => {
    try {
      codec.encode({ ...VALID, viewTick: 70000 });
      expect.unreachable('viewTick 70000 was accepted');
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidValueError);
      expect((e as InvalidValueError).field).toBe('input.viewTick');
      expect((e as InvalidValueError).value).toBe(70000);
    }
  });

  it('writes only its own bytes at an offset, and refuses a buffer too short', () => {
    const out = new Uint8Array(codec.bytes + 4).fill(0xa5);
    codec.encode(VALID, out, 2);
    expect(Array.from(out.subarray(0, 2))).toEqual([0xa5, 0xa5]);
    expect(Array.from(out.subarray(2 + codec.bytes))).toEqual([0xa5, 0xa5]);
    expect(out.subarray(2, 2 + codec.bytes)).toEqual(codec.encode(VALID));
    expect(codec.decode(out, 2)).toEqual(codec.decode(codec.encode(VALID)));
    const short = new Uint8Array(codec.bytes + 1).fill(0xa5);
    expect(() => codec.encode(VALID, short, 2)).toThrow(InvalidArgumentError);
    expect(short).toEqual(new Uint8Array(codec.bytes + 1).fill(0xa5));
  });
});

describe('GameInputCodec.decode refuses what a client should not send', () => {
  it('throws DecodeError for every length shorter than a record', () => {
    const full = codec.encode(VALID);
    for (let n = 0; n < codec.bytes; n++) expect(() => codec.decode(full.slice(0, n))).toThrow(DecodeError);
    expect(() => codec.decode(full, 1)).toThrow(DecodeError);
    expect(() => codec.decode(full, -1)).toThrow(DecodeError);
    expect(codec.decode(full)).toMatchObject({ fire: true, shoot: false, viewTick: 65535, viewFraction: 255 });
  });

  it('decodes random bytes inside every declared range, or throws DecodeError', () => {
    const rand = mulberry32(22);
    const bytes = new Uint8Array(codec.bytes);
    let decoded = 0;
    let refused = 0;
    for (let i = 0; i < 20_000; i++) {
      for (let b = 0; b < bytes.length; b++) bytes[b] = Math.floor(rand() * 256);
      // Clear the padding in a quarter of the records, so the field checks are reached often.
      if (i % 4 === 0) bytes[7]! &= 0b11;
      let x: Input;
      try {
        x = codec.decode(bytes);
      } catch (e) {
        expect(e).toBeInstanceOf(DecodeError);
        refused++;
        continue;
      }
      decoded++;
      for (const f of codec.fields) {
        const v = x[f.name.slice('input.'.length) as keyof Input];
        if (f.spec.type === 'bool') {
          expect(typeof v).toBe('boolean');
          continue;
        }
        expect(typeof v).toBe('number');
        expect(v as number).toBeGreaterThanOrEqual(f.spec.min!);
        if (f.spec.wrap) expect(v as number).toBeLessThan(f.spec.max!);
        else expect(v as number).toBeLessThanOrEqual(f.spec.max!);
        if (f.spec.type === 'u32') expect(Number.isInteger(v)).toBe(true);
      }
      // An accepted record is one encode would have written.
      expect(codec.encode(x)).toEqual(bytes);
    }
    expect(decoded).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
    expect(decoded + refused).toBe(20_000);
  });

  it('refuses a move code past its range', () => {
    const bytes = codec.encode(VALID);
    bytes[0] = 0xff; // moveX: code -127 + 255 = 128, above 127
    expect(() => codec.decode(bytes)).toThrow(DecodeError);
    bytes[0] = 0xfe; // code 127: moveX 1
    expect(codec.decode(bytes).moveX).toBe(1);
  });

  it('refuses a record with any spare padding bit set', () => {
    const good = codec.encode(VALID);
    expect(codec.decode(good)).toBeTruthy();
    for (let bit = BITS; bit < codec.bytes * 8; bit++) {
      const bytes = good.slice();
      bytes[bit >> 3]! |= 1 << (bit & 7);
      expect(() => codec.decode(bytes)).toThrow(/past the last field/);
      expect(() => codec.decode(bytes)).toThrow(DecodeError);
    }
  });
});
