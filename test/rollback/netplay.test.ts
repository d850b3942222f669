// Prediction and reconciliation over a simulated network: a server and four predicting clients,
// 150 ms round trip with jitter and 5 % loss each way. Oracles: the server's periodic state
// hashes (every client checks its confirmed state against them), and a server-only replay of
// the inputs the server applied (a reconciled client state must equal it bit for bit).

import { beforeAll, describe, expect, it } from 'vitest';
import type { PlayerInput } from '../fixtures/reference-game/input.js';
import { ReferenceGame } from '../fixtures/reference-game/reference-game.js';
import { newArena, worldOptions } from './fixtures.js';
import { Netplay, type Peer } from './netplay.js';

/** Players who hold a direction for a while, turn, and shoot in bursts: realistic input churn. */
function playerLike(peer: Peer, rand: () => number): PlayerInput {
  const phase = Math.floor(peer.client.currentFrame / 20 + peer.player * 3);
  const angle = (phase * 2.399) % (2 * Math.PI);
  return { moveX: Math.cos(angle), moveY: Math.sin(angle) * (rand() < 0.95 ? 1 : 0), aimRad: angle + 0.3, fire: phase % 3 === 0, shoot: phase % 5 === 0 && rand() < 0.5 };
}

describe('prediction over a 150 ms, 5 % loss network', () => {
  let net: Netplay;
  let missingAfterWarmup = 0;
  let lateAfterWarmup = 0;
  const speeds: number[] = [];

  beforeAll(async () => {
    const arena = await newArena();
    net = new Netplay(arena, { clients: 4, oneWayMs: 75, jitterMs: 12, lossRate: 0.05, seed: 11 });
    net.run(2_000, playerLike);
    const missing = net.server.missing;
    const late = net.server.drops.late;
    net.run(18_000, playerLike, 4, () => {
      for (const peer of net.peers) speeds.push(peer.client.timeSync.speed);
    });
    missingAfterWarmup = net.server.missing - missing;
    lateAfterWarmup = net.server.drops.late - late;
  });

  it('keeps every client in agreement with every server hash it checks', () => {
    for (const peer of net.peers) {
      const s = peer.client.stats();
      expect(s.state).toBe('running');
      expect(s.hashChecks.mismatched).toBe(0);
      expect(s.hashChecks.matched).toBeGreaterThanOrEqual(15);
      expect(s.desync).toBeUndefined();
    }
  });

  it('reconciles to exactly the state of a server-only run of the same inputs', async () => {
    for (const peer of net.peers) {
      const frame = peer.client.confirmedFrame + 1;
      expect(frame).toBeLessThan(peer.client.currentFrame);
      const clientHash = peer.client.ring.hashOf(frame);
      const fresh = ReferenceGame.create(await newArena(), { world: worldOptions({ name: 'replay', capacity: 512 }), npcs: 64, players: 8 });
      expect(clientHash).toBe(net.replayHash(fresh, frame));
    }
  });

  it('rolls back often and deeply enough to matter, never past its bounds', () => {
    for (const peer of net.peers) {
      const s = peer.client.stats();
      expect(s.rollbacks).toBeGreaterThan(100);
      expect(s.maxRollbackDepth).toBeGreaterThanOrEqual(8);
      expect(s.maxRollbackDepth).toBeLessThan(peer.client.sync.maxPredictionFrames);
      expect(s.stalls).toBe(0);
    }
  });

  it('runs just far enough ahead that inputs arrive before the server needs them', () => {
    const playerFrames = 18 * 60 * net.peers.length;
    expect(missingAfterWarmup / playerFrames).toBeLessThan(0.01);
    expect(lateAfterWarmup / playerFrames).toBeLessThan(0.02);
    for (const peer of net.peers) {
      const lead = peer.client.currentFrame - net.server.frame;
      // One-way latency plus margin minus the input delay: a handful of frames, not dozens.
      expect(lead).toBeGreaterThanOrEqual(1);
      expect(lead).toBeLessThanOrEqual(12);
      expect(peer.client.timeSync.srttMs).toBeGreaterThan(140);
      expect(peer.client.timeSync.srttMs).toBeLessThan(200);
    }
  });

  it('adjusts its speed smoothly within the dilation bound, without jumps', () => {
    const bound = net.peers[0]!.client.timeSync.options.maxDilation;
    for (const speed of speeds) expect(Math.abs(speed - 1)).toBeLessThanOrEqual(bound + 1e-9);
    // 4 clients interleaved: each client's consecutive samples are 4 entries apart, 4 ms apart.
    const maxStep = net.peers[0]!.client.timeSync.options.maxDilationChangePerS * 0.004 + 1e-9;
    for (let i = 4; i < speeds.length; i++) expect(Math.abs(speeds[i]! - speeds[i - 4]!)).toBeLessThanOrEqual(maxStep);
    for (const peer of net.peers) expect(peer.client.timeSync.jumps).toBe(0);
  });

  it('repeats inputs so the loss of single packets costs nothing', () => {
    expect(net.server.redundant).toBeGreaterThan(net.server.accepted);
    for (const peer of net.peers) expect(peer.up.lost).toBeGreaterThan(0);
  });
});
