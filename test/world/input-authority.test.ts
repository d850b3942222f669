// The server's input authority: one input per player per tick plus a catch-up bounded by tokens
// earned while starved, so no stream of inputs moves an avatar faster than real time; gaps that
// can no longer be filled are skipped; duplicates are normal; malformed, out-of-window and
// overflowing inputs are violations that end in a kick.

import { describe, expect, it } from 'vitest';
import { InputAuthority, DEFAULT_INPUT_RULES } from '../../src/world/input-authority.js';
import { encodeWorldInput, INPUT_HEADER_BYTES, MAX_INPUTS_PER_MESSAGE, type WireInput } from '../../src/codec/world-messages.js';
import { CMD_AIM, CMD_BYTES, CMD_MOVE_X, CMD_SLOT, CMD_VIEW_DELAY, viewDelayQ8 } from '../../src/world/commands.js';
import { mulberry32 } from '../helpers/wasm.js';

const move = (seq: number): WireInput => ({ moveX: (seq % 200) - 100, moveY: 0, buttons: 0, aim: seq & 0xffff, viewTick: 0, viewFraction: 0 });

/** An INPUT carrying inputs first .. last (at most 16), as a client would send it. */
function message(first: number, last: number): Uint8Array {
  return encodeWorldInput(first, last - first + 1, (i) => move(first + i));
}

function commands(max = 8): { view: DataView; read: (i: number) => { slot: number; moveX: number; aim: number } } {
  const bytes = new Uint8Array(max * CMD_BYTES);
  const view = new DataView(bytes.buffer);
  return { view, read: (i) => ({ slot: view.getUint32(i * CMD_BYTES + CMD_SLOT, true), moveX: view.getInt8(i * CMD_BYTES + CMD_MOVE_X), aim: view.getUint16(i * CMD_BYTES + CMD_AIM, true) }) };
}

describe('InputAuthority', () => {
  it('applies one input per tick, in order, from messages that repeat the newest sixteen', () => {
    const a = new InputAuthority({ maxPlayers: 4 });
    a.openPlayer(2, 0, 0);
    const { view, read } = commands();
    const applied: number[] = [];
    for (let tick = 1; tick <= 100; tick++) {
      a.receive(2, message(Math.max(1, tick - 15), tick), tick);
      const n = a.take(2, view, 0, 77, tick);
      expect(n).toBe(1);
      const c = read(0);
      expect(c.slot).toBe(77);
      applied.push(c.aim);
    }
    expect(applied).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(a.lastAppliedOf(2)).toBe(100);
    expect(a.counters.drops.duplicate).toBe(15 * 100 - (15 * 16) / 2);
    expect(a.counters.drops.malformed + a.counters.drops.out_of_window + a.counters.drops.queue_full).toBe(0);
  });

  it('catches up after a stall, one extra input a tick, and never beyond the tokens the stall earned', () => {
    const a = new InputAuthority({ maxPlayers: 1 });
    a.openPlayer(0, 0, 0);
    const { view } = commands();
    for (let tick = 1; tick <= 5; tick++) expect(a.take(0, view, 0, 0, tick)).toBe(0); // starved: 5 tokens
    a.receive(0, message(1, 12), 6);
    const perTick: number[] = [];
    for (let tick = 6; tick <= 14; tick++) perTick.push(a.take(0, view, 0, 0, tick));
    // Two a tick while the five tokens earned by the stall last, then one a tick.
    expect(perTick).toEqual([2, 2, 2, 2, 2, 1, 1, 0, 0]);
    expect(a.lastAppliedOf(0)).toBe(12);
    expect(a.counters.starved).toBe(7);
  });

  it('bounds a client that sends inputs twice as fast as the tick rate: the surplus overflows and is counted', () => {
    const a = new InputAuthority({ maxPlayers: 1 });
    a.openPlayer(0, 0, 0);
    const { view } = commands();
    let newest = 0;
    let applied = 0;
    const ticks = 600;
    for (let tick = 1; tick <= ticks; tick++) {
      newest += 2;
      a.receive(0, message(Math.max(1, newest - 15), newest), tick);
      applied += a.take(0, view, 0, 0, tick);
    }
    // Real time allows `ticks` inputs plus the tokens held at the start; never twice as many.
    expect(applied).toBeLessThanOrEqual(ticks + DEFAULT_INPUT_RULES.maxTokens);
    expect(applied).toBeGreaterThanOrEqual(ticks - 1);
    expect(a.counters.drops.queue_full).toBeGreaterThan(0);
  });

  it('never kicks for a full queue: a server running slow fills honest queues', () => {
    const a = new InputAuthority({ maxPlayers: 1, violationLimit: 10 });
    a.openPlayer(0, 0, 0);
    const { view } = commands();
    let newest = 0;
    let kicked = false;
    // The server applies 3 inputs for every 4 the client makes (a server at 75 % speed).
    for (let tick = 1; tick <= 2000; tick++) {
      newest++;
      kicked = a.receive(0, message(Math.max(1, newest - 15), newest), tick) || kicked;
      if (tick % 4 !== 0) a.take(0, view, 0, 0, tick);
    }
    expect(a.counters.drops.queue_full).toBeGreaterThan(0);
    expect(kicked).toBe(false);
    expect(a.counters.kicks).toBe(0);
  });

  it('kicks a player whose violations pass the limit within the window', () => {
    const a = new InputAuthority({ maxPlayers: 1, violationLimit: 10, violationWindowTicks: 600 });
    a.openPlayer(0, 0, 0);
    const bad = message(1, 1);
    bad[INPUT_HEADER_BYTES + 2] = 0x80; // a button no client may press
    const kicks: boolean[] = [];
    for (let i = 0; i < 11; i++) kicks.push(a.receive(0, bad, 1));
    expect(kicks.slice(0, 10).every((k) => !k)).toBe(true);
    expect(kicks[10]).toBe(true);
    expect(a.counters.drops.malformed).toBe(11);
    expect(a.counters.kicks).toBe(1);
    // Violations spread over windows do not add up.
    const b = new InputAuthority({ maxPlayers: 1, violationLimit: 10, violationWindowTicks: 60 });
    b.openPlayer(0, 0, 0);
    for (let tick = 0; tick < 600; tick += 10) expect(b.receive(0, bad, tick)).toBe(false);
  });

  it('refuses malformed records and framing, out-of-window sequences, and counts each by reason', () => {
    const a = new InputAuthority({ maxPlayers: 1 });
    a.openPlayer(0, 0, 0);
    const withMove = message(1, 1);
    withMove[INPUT_HEADER_BYTES] = 0x80; // move x -128
    a.receive(0, withMove, 1);
    const viewWithoutShoot = message(1, 1);
    viewWithoutShoot[INPUT_HEADER_BYTES + 6] = 5;
    a.receive(0, viewWithoutShoot, 1);
    a.receive(0, message(DEFAULT_INPUT_RULES.maxAhead + 1, DEFAULT_INPUT_RULES.maxAhead + 1), 1);
    a.receive(0, new Uint8Array([0x53, 3, 0, 0, 0, 0]), 1);
    a.receive(0, message(1, 2).subarray(0, 10), 1);
    expect(a.counters.drops).toMatchObject({ malformed: 2, out_of_window: 1, decode: 2 });
    const { view } = commands();
    expect(a.take(0, view, 0, 0, 2)).toBe(0);
    expect(a.queuedOf(0)).toBe(0);
  });

  it('skips inputs that can no longer arrive: a gap behind a later input, and a long stall', () => {
    const a = new InputAuthority({ maxPlayers: 1 });
    a.openPlayer(0, 0, 0);
    const { view, read } = commands();
    a.receive(0, message(3, 4), 1); // 1 and 2 were in packets that were lost beyond repair
    expect(a.take(0, view, 0, 0, 1)).toBe(1);
    expect(read(0).aim).toBe(3);
    expect(a.counters.drops.skipped).toBe(2);
    a.take(0, view, 0, 0, 2);
    // A second-long stall: the client repeats only its newest 16, far beyond the queue.
    a.receive(0, message(80, 95), 3);
    expect(a.take(0, view, 0, 0, 3)).toBeGreaterThanOrEqual(1);
    expect(read(0).aim).toBe(80);
    expect(a.counters.drops.skipped).toBe(2 + (79 - 4));
    expect(a.counters.drops.queue_full).toBe(0);
  });

  it('turns a SHOOT view tick into a view delay against the server tick', () => {
    expect(viewDelayQ8(1000, 990, 128)).toBe(10 * 256 - 128);
    expect(viewDelayQ8(70000, 70000 & 0xffff, 0)).toBe(0);
    expect(viewDelayQ8(65540, 65530 & 0xffff, 0)).toBe(10 * 256);
    expect(viewDelayQ8(1000, 1001, 0)).toBe(0xffff); // a view in the future: saturated, beyond any cap
    const a = new InputAuthority({ maxPlayers: 1 });
    a.openPlayer(0, 0, 0);
    a.receive(0, encodeWorldInput(1, 1, () => ({ moveX: 0, moveY: 0, buttons: 2, aim: 0, viewTick: 490, viewFraction: 64 })), 500);
    const { view } = commands();
    a.take(0, view, 0, 0, 500);
    expect(view.getUint16(CMD_VIEW_DELAY, true)).toBe(10 * 256 - 64);
  });

  it('survives random bytes from every player without throwing or growing', () => {
    const a = new InputAuthority({ maxPlayers: 8 });
    for (let p = 0; p < 8; p++) a.openPlayer(p, 0, 0);
    const rand = mulberry32(11);
    const { view } = commands(16);
    let kicked = 0;
    for (let i = 0; i < 20_000; i++) {
      const bytes = new Uint8Array(Math.floor(rand() * (INPUT_HEADER_BYTES + 8 * MAX_INPUTS_PER_MESSAGE + 8)));
      for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(rand() * 256);
      if (rand() < 0.5 && bytes.length > 0) bytes[0] = 0x53;
      if (a.receive(i % 8, bytes, i >> 3)) kicked++;
      a.take(i % 8, view, 0, 0, i >> 3);
      expect(a.queuedOf(i % 8)).toBeLessThanOrEqual(DEFAULT_INPUT_RULES.queueCapacity);
    }
    const d = a.counters.drops;
    expect(a.counters.received).toBe(a.counters.applied + a.queuedHeld() + d.duplicate + d.malformed + d.out_of_window + d.queue_full);
    expect(d.decode).toBeGreaterThan(1000);
    expect(kicked).toBeGreaterThan(0);
  });
});
