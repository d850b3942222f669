// The snapshot decoder against hostile input: random bytes, every truncation of real snapshots
// and random bit flips. A message is applied whole or not at all: a rejected one leaves the
// client's committed state byte for byte as it was, apply() throws only DecodeError, and the
// kernel never reads out of bounds (it would trap). Accepted and rejected inputs are counted,
// and an accepted one must leave a view whose every record is well formed (expectValidView)
// and that goes on decoding. Also the codec-params and event messages.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeEvent, encodeEvent } from '../../src/codec/broadcast-event.js';
import { CODEC_PARAMS_BYTES, decodeCodecParams, DECODE_REASONS, DECODE_STALE, encodeCodecParams, MSG_SNAPSHOT } from '../../src/codec/snapshot-spec.js';
import { SnapshotView } from '../../src/codec/snapshot-view.js';
import { DecodeError } from '../../src/core/errors.js';
import { mulberry32 } from '../helpers/wasm.js';
import { Fixture, Q } from '../interest/fixture.js';

const N = 200;
let f: Fixture;
/** A client's snapshots in order, from a world that moves, turns, changes and churns. */
const messages: Uint8Array[] = [];

beforeAll(async () => {
  f = await Fixture.create({ capacity: N, interest: { viewCapacity: 256 } });
  const rand = mulberry32(31);
  f.put(0, { x: 0, y: 0 });
  for (let i = 1; i < N; i++) f.put(i, { x: (rand() - 0.5) * 200, y: (rand() - 0.5) * 200, vx: (rand() - 0.5) * 0.3, vy: (rand() - 0.5) * 0.3, hp: 50 });
  const c = f.addClient({ viewerSlot: 0, shape: { kind: 'circle', radiusM: 80 } });
  for (let t = 0; t < 150; t++) {
    for (let i = 1; i < N; i++) {
      if (rand() < 0.02) f.cols.column('hp')[i] = f.cols.column('hp')[i]! - 5;
      if (rand() < 0.02) f.cols.column('yaw')[i] = Math.round((rand() - 0.5) * 6 * Q);
    }
    if (t % 10 === 3) f.pipeline.emit({ x: 5, y: 5, z: 0, rangeM: 50, kind: 7, payload: Uint8Array.of(1, 2, 3) });
    f.integrate();
    f.tick((cl, bytes, n) => {
      if (cl !== c) return;
      messages.push(bytes);
      f.pipeline.acked(cl, n); // acked, never applied here: the tests replay them
    });
  }
});

afterAll(async () => {
  await f.dispose();
});

/** Byte equality of two view states (toEqual walks 100s of KB element by element: minutes over a fuzz run). */
function expectSameState(now: Uint8Array, before: Uint8Array): void {
  const equal = Buffer.from(now.buffer, now.byteOffset, now.byteLength).equals(before);
  if (!equal) {
    const at = now.findIndex((b, i) => b !== before[i]);
    expect.fail(`view state changed at byte ${at} of ${now.byteLength}`);
  }
}

/**
 * What any view that accepted a message must hold, whatever the bytes were: as many live
 * handles as it counts, each entity on exactly one handle, each record from a snapshot no newer
 * than the view's own seq and tick, a yaw inside [-pi, pi).
 */
function expectValidView(view: SnapshotView, what: string): void {
  let live = 0;
  for (let h = 0; h < view.handles; h++) {
    if (!view.has(h)) continue;
    live++;
    const id = view.idOf(h);
    if (view.handleOf(id) !== h) expect.fail(`${what}: entity ${id} on handle ${h} maps back to handle ${view.handleOf(id)}`);
    if (view.recordSeqOf(h) > view.seq || view.recordTickOf(h) > view.tick) {
      expect.fail(`${what}: handle ${h}'s record (seq ${view.recordSeqOf(h)}, tick ${view.recordTickOf(h)}) is newer than the view (seq ${view.seq}, tick ${view.tick})`);
    }
    const yaw = view.yawOf(h);
    if (!(yaw >= -Math.PI && yaw < Math.PI)) expect.fail(`${what}: handle ${h} has yaw ${yaw}`);
  }
  expect(live, what).toBe(view.count);
  expect(view.count, what).toBeLessThanOrEqual(view.handles);
}

/** A decoder result is an applied record count or one of the named rejections (stale included). */
function expectKnownCode(code: number, what: string): void {
  if (code >= 0) return;
  expect(DECODE_REASONS[code], `${what}: result ${code}`).toBeDefined();
}

function freshView(): SnapshotView {
  return SnapshotView.create(f.arena, f.pipeline.codecParams);
}

function replay(view: SnapshotView, upTo: number): void {
  for (let i = 0; i < upTo; i++) view.apply(messages[i]!);
}

describe('snapshot decoding of hostile input', () => {
  it('has real snapshots to work on: deltas, fulls, events', () => {
    expect(messages.length).toBeGreaterThan(100);
    const view = freshView();
    replay(view, messages.length);
    expect(view.count).toBeGreaterThan(20);
    expect(view.rejected).toBe(0);
    view.dispose();
  });

  it('rejects every truncation of a snapshot and keeps the state it had', () => {
    const view = freshView();
    // Every prefix of 12 snapshots spread over the run (the first is the big initial one).
    const picks = new Set(Array.from({ length: 12 }, (_, k) => Math.floor((k * messages.length) / 12)));
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i]!;
      if (picks.has(i)) {
        const before = view.committedState();
        for (let len = 0; len < m.byteLength; len++) {
          expect(view.tryApply(m.subarray(0, len)), `message ${i} cut to ${len} of ${m.byteLength} bytes`).toBeLessThan(0);
        }
        expect(() => view.apply(m.subarray(0, m.byteLength - 1))).toThrow(DecodeError);
        expectSameState(view.committedState(), before);
      }
      view.apply(m);
    }
    expect(view.rejected).toBeGreaterThan(1000);
    view.dispose();
  });

  it('rejects random bytes, or applies them whole, never anything in between', () => {
    const rand = mulberry32(41);
    const view = freshView();
    replay(view, 60);
    const reasons = new Map<number, number>();
    let accepted = 0;
    const TRIES = 3000;
    for (let i = 0; i < TRIES; i++) {
      const len = 1 + Math.floor(rand() * 64);
      const bytes = Uint8Array.from({ length: len }, () => Math.floor(rand() * 256));
      if (rand() < 0.8) bytes[0] = MSG_SNAPSHOT;
      const before = view.committedState();
      const code = view.tryApply(bytes);
      expectKnownCode(code, `random message ${i}`);
      if (code < 0) {
        reasons.set(code, (reasons.get(code) ?? 0) + 1);
        expectSameState(view.committedState(), before);
        // apply() says the same: -1 for stale, else a DecodeError, and still changes nothing.
        if (code === DECODE_STALE) expect(view.apply(bytes)).toBe(-1);
        else expect(() => view.apply(bytes)).toThrow(DecodeError);
        expectSameState(view.committedState(), before);
      } else {
        accepted++;
        expectValidView(view, `random message ${i}`);
      }
    }
    const rejected = [...reasons.values()].reduce((a, b) => a + b, 0);
    expect(accepted + rejected).toBe(TRIES);
    // Random bytes are a whole, consistent snapshot about never (none in this seed's 3,000) ...
    expect(rejected).toBeGreaterThanOrEqual(TRIES - 3);
    // ... and they are turned away at many different checks, not one early gate.
    expect(reasons.size).toBeGreaterThanOrEqual(5);
    view.dispose();
  });

  it('rejects a flipped bit or applies a consistent message, and survives either way', () => {
    const rand = mulberry32(42);
    const TRIALS = 150;
    let rejected = 0;
    let accepted = 0;
    for (let trial = 0; trial < TRIALS; trial++) {
      const i = 1 + Math.floor(rand() * (messages.length - 1));
      const reference = freshView();
      replay(reference, i);
      const mutated = messages[i]!.slice();
      const bit = Math.floor(rand() * mutated.byteLength * 8);
      mutated[bit >> 3]! ^= 1 << (bit & 7);
      const before = reference.committedState();
      const code = reference.tryApply(mutated);
      expectKnownCode(code, `message ${i}, bit ${bit}`);
      if (code < 0) {
        rejected++;
        expectSameState(reference.committedState(), before);
      } else {
        // Accepted: a well-formed view, the same one for the same bytes (a twin with the same
        // history decodes it byte for byte alike), and decoding goes on without traps.
        accepted++;
        expectValidView(reference, `message ${i}, bit ${bit}`);
        const twin = freshView();
        replay(twin, i);
        expect(twin.tryApply(mutated)).toBe(code);
        expectSameState(twin.committedState(), reference.committedState());
        twin.dispose();
        for (let j = i + 1; j < Math.min(messages.length, i + 5); j++) {
          const next = reference.tryApply(messages[j]!);
          expectKnownCode(next, `message ${j} after message ${i}, bit ${bit}`);
          if (next >= 0) expectValidView(reference, `message ${j} after message ${i}, bit ${bit}`);
        }
      }
      reference.dispose();
    }
    expect(accepted + rejected).toBe(TRIALS);
    // A flipped bit is caught more often than not (the format checks lengths, counts, handles,
    // baselines), and a good share still decode (a flip inside a value is just another value).
    expect(rejected).toBeGreaterThan(TRIALS / 2);
    expect(accepted).toBeGreaterThan(TRIALS / 10);
  });

  it('rejects a delta whose baseline the client never received', () => {
    const view = freshView();
    // Skip the first 40 snapshots: later deltas name baselines this view does not hold.
    let rejectedForBaseline = 0;
    for (let i = 40; i < messages.length; i++) {
      const code = view.tryApply(messages[i]!);
      if (code === -9 || code === -10 || code === -5) rejectedForBaseline++;
    }
    expect(rejectedForBaseline).toBeGreaterThan(0);
    view.dispose();
  });

  it('ignores a snapshot older than the newest applied, counting it as stale', () => {
    const view = freshView();
    replay(view, 20);
    const seq = view.seq;
    expect(view.apply(messages[10]!)).toBe(-1);
    expect(view.stale).toBe(1);
    expect(view.seq).toBe(seq);
    view.dispose();
  });
});

describe('codec params and event messages', () => {
  it('round-trip the codec params and reject malformed ones', () => {
    const bytes = encodeCodecParams(f.pipeline.codecParams);
    expect(bytes.byteLength).toBe(CODEC_PARAMS_BYTES);
    expect(decodeCodecParams(bytes)).toEqual(f.pipeline.codecParams);
    for (let len = 0; len < bytes.byteLength; len++) expect(() => decodeCodecParams(bytes.subarray(0, len))).toThrow(DecodeError);
    const rand = mulberry32(5);
    for (let i = 0; i < 500; i++) {
      const b = bytes.slice();
      b[1 + Math.floor(rand() * 8)] = Math.floor(rand() * 256);
      try {
        decodeCodecParams(b);
      } catch (err) {
        expect(err).toBeInstanceOf(DecodeError);
      }
    }
  });

  it('round-trip an event and reject truncated or inconsistent ones', () => {
    const event = { kind: 9, tick: 1234, x: 12.5, y: -40.25, z: 3, rangeM: 75, payload: Uint8Array.of(104, 105) };
    const bytes = encodeEvent(event);
    expect(decodeEvent(bytes)).toEqual(event);
    for (let len = 0; len < bytes.byteLength; len++) expect(() => decodeEvent(bytes.subarray(0, len))).toThrow(DecodeError);
    const long = new Uint8Array(bytes.byteLength + 1);
    long.set(bytes);
    expect(() => decodeEvent(long)).toThrow(DecodeError);
  });
});
