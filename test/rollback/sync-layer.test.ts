// The rollback core as a state machine: the requests it returns for each situation (the GGRS
// contract), and a deep rollback driven end to end against a run that knew the true inputs.

import { describe, expect, it } from 'vitest';
import { SyncLayer } from '../../src/rollback/sync-layer.js';
import { RollbackClient } from '../../src/rollback/client-session.js';
import { ReferenceGame, setReferenceInput } from '../fixtures/reference-game/reference-game.js';
import { encodeConfirmedMessage, encodeStateMessage } from '../../src/codec/rollback-messages.js';
import { BUTTON_PRESENT, INPUT_BYTES, IN_BUTTONS, IN_MOVE_X, IN_TARGET, NO_TARGET } from '../fixtures/reference-game/input.js';
import { newArena, worldOptions } from './fixtures.js';

const BYTES = 4;

function layer(arena: Awaited<ReturnType<typeof newArena>>, options: Partial<ConstructorParameters<typeof SyncLayer>[1]> = {}): SyncLayer {
  const sync = new SyncLayer(arena, { players: 2, inputBytes: BYTES, localPlayer: 0, inputDelayFrames: 0, snapshotFrames: 16, maxPredictionFrames: 8, ...options });
  sync.start(0);
  sync.setLocalInput(Uint8Array.of(1, 0, 0, 0));
  return sync;
}

/** `count` frames of confirmed records: player 0 as stamped locally, player 1 = `remote(frame)`. */
function confirmed(first: number, count: number, remote: (frame: number) => number): Uint8Array {
  const out = new Uint8Array(count * 2 * BYTES);
  for (let k = 0; k < count; k++) {
    out[k * 2 * BYTES] = 1;
    out[k * 2 * BYTES + BYTES] = remote(first + k);
  }
  return out;
}

describe('sync layer requests', () => {
  it('saves the current frame and then advances it', async () => {
    const sync = layer(await newArena());
    expect(sync.advance()).toBe(true);
    expect(sync.requests.describe()).toBe('save 0, advance 0');
    sync.advance();
    expect(sync.requests.describe()).toBe('save 1, advance 1');
    expect(sync.currentFrame).toBe(2);
  });

  it('predicts a silent remote player by repeating its newest confirmed input', async () => {
    const sync = layer(await newArena());
    sync.confirm(0, 1, confirmed(0, 1, () => 7));
    sync.advance();
    sync.advance();
    const staged = sync.stagingBytes();
    const req = sync.requests.get(1);
    expect(staged[req.inputsOffset + BYTES]).toBe(7);
    expect(sync.stats.predictedFrames).toBe(1);
  });

  it('rolls back to the first mispredicted frame and re-simulates up to the present', async () => {
    const sync = layer(await newArena());
    for (let i = 0; i < 5; i++) sync.advance();
    // Frames 0 and 2 match the prediction (0); frame 1 does not.
    const result = sync.confirm(0, 3, confirmed(0, 3, (f) => (f === 1 ? 9 : 0)));
    expect(result.accepted).toBe(3);
    expect(sync.firstIncorrectFrame).toBe(1);
    sync.advance();
    expect(sync.requests.describe()).toBe('load 1, advance 1, save 2, advance 2, save 3, advance 3, save 4, advance 4, save 5, advance 5');
    expect(sync.stats.lastRollbackDepth).toBe(4);
  });

  it('does not roll back when confirmations match what was predicted', async () => {
    const sync = layer(await newArena());
    for (let i = 0; i < 5; i++) sync.advance();
    sync.confirm(0, 4, confirmed(0, 4, () => 0));
    sync.advance();
    expect(sync.requests.describe()).toBe('save 5, advance 5');
    expect(sync.stats.rollbacks).toBe(0);
  });

  it('stalls maxPredictionFrames ahead of the confirmed frame, and resumes once confirmed', async () => {
    const sync = layer(await newArena());
    for (let i = 0; i < 8; i++) expect(sync.advance()).toBe(true);
    expect(sync.advance()).toBe(false);
    expect(sync.requests.count).toBe(0);
    expect(sync.stats.stalls).toBe(1);
    sync.confirm(0, 2, confirmed(0, 2, () => 0));
    expect(sync.advance()).toBe(true);
  });

  it('skips frames it already has, stops at a gap, and refuses frames beyond its input window', async () => {
    const sync = layer(await newArena());
    expect(sync.confirm(0, 2, confirmed(0, 2, () => 0))).toMatchObject({ accepted: 2, duplicate: 0 });
    expect(sync.confirm(0, 3, confirmed(0, 3, () => 0))).toMatchObject({ accepted: 1, duplicate: 2 });
    expect(sync.confirm(5, 2, confirmed(5, 2, () => 0))).toMatchObject({ accepted: 0, gap: 2 });
    const far = sync.queueFrames + 4;
    expect(sync.confirm(3, far, confirmed(3, far, () => 0)).tooFar).toBeGreaterThan(0);
    expect(sync.confirmedFrame).toBeLessThan(3 + far - 1);
  });

  it('refuses an input delay or prediction window it cannot honour', async () => {
    const arena = await newArena();
    expect(() => new SyncLayer(arena, { players: 2, inputBytes: 4, localPlayer: 0, inputDelayFrames: 40, snapshotFrames: 16 })).toThrow(/inputDelayFrames/);
    expect(() => new SyncLayer(arena, { players: 2, inputBytes: 4, localPlayer: 0, snapshotFrames: 16, maxPredictionFrames: 15 })).toThrow(/maxPredictionFrames/);
    expect(() => new SyncLayer(arena, { players: 2, inputBytes: 4, localPlayer: 2, snapshotFrames: 16 })).toThrow(/localPlayer/);
  });
});

describe('deep rollback', () => {
  it('rolls back 90 frames and reaches the state of a run that knew the true inputs', async () => {
    const arena = await newArena();
    const make = (name: string) => ReferenceGame.create(arena, { world: worldOptions({ name }), npcs: 64, players: 2 });
    const origin = make('origin');
    const client = new RollbackClient(make('client'), { localPlayer: 0, tickHz: 60, inputDelayFrames: 0, snapshotFrames: 128, maxPredictionFrames: 120 });
    client.receive(encodeStateMessage(0, origin.hash(), new Uint8Array(arena.memoryBuffer, origin.statePtr, origin.stateBytes).slice()), 0);
    setReferenceInput(client, { moveX: -1, moveY: 0.5, aimRad: 1, fire: true });
    for (let f = 0; f < 90; f++) expect(client.advanceFrame()).toBe(true);
    expect(client.currentFrame).toBe(90);

    // The truth: player 0 as it played, player 1 present and running east the whole time.
    const records = new Uint8Array(90 * 2 * INPUT_BYTES);
    const local = client.sync.localQueue!;
    for (let f = 0; f < 90; f++) {
      const off = local.offsetOf(f);
      records.set(local.bytes.subarray(off, off + INPUT_BYTES), f * 2 * INPUT_BYTES);
      const p1 = (f * 2 + 1) * INPUT_BYTES;
      records[p1 + IN_BUTTONS] = BUTTON_PRESENT;
      records[p1 + IN_MOVE_X] = 127;
      new DataView(records.buffer).setUint32(p1 + IN_TARGET, NO_TARGET, true);
    }
    const presence = new BigUint64Array(90).fill(3n);
    for (let first = 0; first < 90; first += 30) {
      client.receive(encodeConfirmedMessage({ players: 2, firstFrame: first, count: 30, inputs: records, offset: first * 2 * INPUT_BYTES, presence, presenceOffset: first }, 95, 89, 0, INPUT_BYTES), 0);
    }
    expect(client.sync.firstIncorrectFrame).toBe(0);
    client.advanceFrame();
    expect(client.sync.stats.lastRollbackDepth).toBe(90);

    const staged = arena.allocate('truth-inputs', 2 * INPUT_BYTES);
    for (let f = 0; f < 90; f++) {
      staged.bytes().set(records.subarray(f * 2 * INPUT_BYTES, (f + 1) * 2 * INPUT_BYTES));
      origin.advance(staged.ptr, 2);
    }
    expect(client.ring.hashOf(90)).toBe(origin.hash());
  });
});
