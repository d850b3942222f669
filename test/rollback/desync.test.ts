// Desync detection and repair: a client whose state is silently corrupted must notice at the next
// server hash of a confirmed frame, report that frame, ask for a full state, install it and agree
// with the server again. Oracle: the server's hashes before and after.

import { describe, expect, it } from 'vitest';
import { decodeResyncMessage, RESYNC_HASH_MISMATCH } from '../../src/codec/rollback-messages.js';
import { newArena } from './fixtures.js';
import { Netplay } from './netplay.js';

const walker = () => ({ moveX: 1, moveY: 0.25, aimRad: 0.5, fire: true });

describe('desync detection', () => {
  it('reports the first mismatching frame, resyncs from a full state and agrees again', async () => {
    const net = new Netplay(await newArena(), { clients: 2, oneWayMs: 40, jitterMs: 5, lossRate: 0, seed: 4 });
    net.run(1_500, walker);
    const victim = net.peers[0]!;
    expect(victim.client.stats().hashChecks.matched).toBeGreaterThan(0);

    // Corrupt the victim's state behind the rollback layer's back, in every snapshot it could
    // roll back to as well: an NPC it simulates moves 3 m.
    const corruptAt = victim.client.currentFrame;
    victim.game.world.column('posX')[5]! += 3 * 65536;
    for (let f = victim.client.confirmedFrame + 1; f < corruptAt; f++) {
      if (!victim.client.ring.has(f)) continue;
      const ptr = victim.client.ring.ptrOf(f) + (victim.game.world.columnPtr('posX') - victim.game.statePtr) + 5 * 4;
      new Int32Array(victim.game.arena.memoryBuffer, ptr, 1)[0]! += 3 * 65536;
    }
    const sent: Uint8Array[] = [];
    const send = victim.reliableUp.send.bind(victim.reliableUp);
    victim.reliableUp.send = (bytes, now) => {
      if (bytes[0] === 0x35) sent.push(bytes.slice());
      send(bytes, now);
    };
    net.run(2_500, walker);

    const s = victim.client.stats();
    expect(s.hashChecks.mismatched).toBeGreaterThanOrEqual(1);
    expect(sent.length).toBeGreaterThanOrEqual(1);
    const resync = decodeResyncMessage(sent[0]!);
    expect(resync.reason).toBe(RESYNC_HASH_MISMATCH);
    expect(resync.frame).toBeGreaterThanOrEqual(corruptAt - 60);
    expect(resync.frame % 60).toBe(0);
    expect(victim.client.statesInstalled).toBe(2);
    expect(net.server.resyncRequests[RESYNC_HASH_MISMATCH]).toBe(1);
    expect(s.desync).toBeUndefined(); // cleared by the installed state
    const matchedAfter = s.hashChecks.matched;
    net.run(2_000, walker);
    expect(victim.client.stats().hashChecks.matched).toBeGreaterThan(matchedAfter);
    expect(victim.client.stats().hashChecks.mismatched).toBe(s.hashChecks.mismatched);
    // The other client never noticed anything.
    expect(net.peers[1]!.client.stats().hashChecks.mismatched).toBe(0);
  });
});
