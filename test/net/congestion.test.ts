// Latency-first congestion control: the controller alone against scripted loss and RTT, then a
// live connection over the simulator whose budget must fall when loss appears and come back
// when it ends.

import { describe, expect, it } from 'vitest';
import { CongestionController, CongestionState, DEFAULT_CONGESTION } from '../../src/net/congestion.js';
import { RttEstimator } from '../../src/net/rtt.js';
import { makePair } from './harness.js';
import { profile } from '../../src/net/simulator.js';
import { NetClock } from '../../src/net/clock.js';

/** A controller on its own clock; `at(t)` moves the clock and updates it. */
function controller(options: ConstructorParameters<typeof CongestionController>[1] = {}) {
  const clock = new NetClock();
  const c = new CongestionController(clock, options);
  return Object.assign(c, {
    at(t: number, rtt: RttEstimator) {
      clock.nowMs = t;
      c.update(rtt);
    },
  });
}

function rttWith(loss: number, srttMs: number, baselineMs: number): RttEstimator {
  const clock = new NetClock();
  const r = new RttEstimator(clock);
  r.sample(baselineMs);
  clock.nowMs = 1;
  for (let i = 0; i < 200; i++) r.sample(srttMs);
  r.loss = loss;
  return r;
}

describe('the congestion controller', () => {
  it('starts in normal state at the initial rate with a full bucket', () => {
    const c = controller();
    expect(c.state).toBe(CongestionState.Normal);
    expect(c.bytesPerSec).toBe(DEFAULT_CONGESTION.initialBytesPerSec);
    expect(c.budgetBytes()).toBe(Math.floor((DEFAULT_CONGESTION.initialBytesPerSec * DEFAULT_CONGESTION.burstMs) / 1000));
  });

  it('cuts every step while loss is over 2 %, harder and in emergency state over 5 %', () => {
    const c = controller();
    c.at(0, rttWith(0.03, 10, 10));
    c.at(100, rttWith(0.03, 10, 10));
    expect(c.state).toBe(CongestionState.Conservative);
    const afterConservative = c.baseBytesPerSec;
    expect(afterConservative).toBeLessThan(DEFAULT_CONGESTION.initialBytesPerSec);
    c.at(200, rttWith(0.08, 10, 10));
    expect(c.state).toBe(CongestionState.Emergency);
    expect(c.baseBytesPerSec).toBeLessThan(afterConservative);
    expect(c.bytesPerSec).toBe(c.baseBytesPerSec * 0.5);
  });

  it('turns conservative without cutting when the round trip rises 20 ms over its baseline', () => {
    const c = controller();
    c.at(0, rttWith(0, 60, 30));
    // A step is max(100 ms, 2 x RTT) = 120 ms here.
    c.at(120, rttWith(0, 60, 30));
    expect(c.state).toBe(CongestionState.Conservative);
    expect(c.baseBytesPerSec).toBe(DEFAULT_CONGESTION.initialBytesPerSec);
    expect(c.bytesPerSec).toBe(DEFAULT_CONGESTION.initialBytesPerSec * 0.75);
  });

  it('grows back to its maximum while the path is clean, and never leaves [min, max]', () => {
    const c = controller();
    let t = 0;
    for (let i = 0; i < 200; i++) c.at((t += 100), rttWith(0.5, 10, 10));
    expect(c.bytesPerSec).toBe(DEFAULT_CONGESTION.minBytesPerSec);
    for (let i = 0; i < 200; i++) c.at((t += 100), rttWith(0, 10, 10));
    expect(c.bytesPerSec).toBe(DEFAULT_CONGESTION.maxBytesPerSec);
  });

  it('spends its budget on sends and refills it with time, up to one burst', () => {
    const c = controller({ initialBytesPerSec: 100_000, minBytesPerSec: 100_000, maxBytesPerSec: 100_000, burstMs: 200 });
    const rtt = rttWith(0, 10, 10);
    c.at(0, rtt);
    expect(c.budgetBytes()).toBe(20_000);
    c.consume(15_000);
    expect(c.budgetBytes()).toBe(5_000);
    c.at(50, rtt);
    expect(c.budgetBytes()).toBe(10_000);
    c.at(10_000, rtt);
    expect(c.budgetBytes()).toBe(20_000);
  });

  it('suspends low priority when conservative and medium too in emergency', () => {
    const c = controller();
    expect([0, 1, 2, 3].map((p) => c.allows(p))).toEqual([true, true, true, true]);
    c.state = CongestionState.Conservative;
    expect([0, 1, 2, 3].map((p) => c.allows(p))).toEqual([true, true, true, false]);
    c.state = CongestionState.Emergency;
    expect([0, 1, 2, 3].map((p) => c.allows(p))).toEqual([true, true, false, false]);
  });

  it('rejects rates that are not ordered min <= initial <= max', () => {
    expect(() => controller({ minBytesPerSec: 10, initialBytesPerSec: 5 })).toThrow(/0 < min \(10\) <= initial \(5\)/);
  });
});

describe('a connection under loss', () => {
  it('cuts its budget while packets are lost and recovers once the loss ends', () => {
    const p = makePair({ seed: 9, profile: profile('lan', { latencyMs: 15, jitterMs: 1 }) });
    p.connect();
    p.until(() => p.client.state === 'connected' && p.server.connections[0]?.accepted === true, 5000);
    const conn = p.serverConn();
    const stream = (ms: number) => {
      const end = p.net.nowMs + ms;
      while (p.net.nowMs < end) {
        conn.send(1, new Uint8Array(600));
        p.step();
      }
    };
    stream(8000);
    const clean = conn.congestion.bytesPerSec;
    expect(clean).toBe(DEFAULT_CONGESTION.maxBytesPerSec);
    p.net.setProfile(profile('lan', { latencyMs: 15, jitterMs: 1, loss: 0.1 }));
    stream(5000);
    const lossy = conn.congestion.bytesPerSec;
    expect(conn.stats().congestion).toBe('emergency');
    expect(lossy).toBeLessThan(clean / 10);
    p.net.setProfile(profile('lan', { latencyMs: 15, jitterMs: 1 }));
    stream(15_000);
    expect(conn.stats().congestion).toBe('normal');
    expect(conn.congestion.bytesPerSec).toBe(clean);
  });
});
