// What a running GameServer says about itself: GET /healthz (healthReport), GET /game.json
// (gameInfo) and the CLI's periodic status line (StatusLine: rates since the previous line).

import { performance } from 'node:perf_hooks';
import type { ChronosConfig } from '../core/config.js';
import type { FixedStepClock } from '../core/clock.js';
import type { World } from '../core/world.js';
import type { InterestHost } from './interest-host.js';
import type { ServerMetrics } from './metrics.js';
import type { ModeHost, ServerMode } from './mode-host.js';
import type { OverloadGovernor } from './overload.js';
import type { ServerSaves } from './persistence.js';
import type { ServerSpatial } from './spatial-service.js';

/** The parts of a GameServer its reports read. */
export interface ReportedServer {
  readonly config: ChronosConfig;
  readonly mode: ServerMode;
  readonly world: World;
  readonly host: ModeHost;
  readonly clock: FixedStepClock;
  readonly overload: OverloadGovernor;
  readonly spatial: ServerSpatial;
  readonly interest: InterestHost | undefined;
  readonly saves: ServerSaves | undefined;
  readonly metrics: ServerMetrics;
  readonly clientCount: number;
}

/** GET /healthz; `startedAt` is the performance.now() the loop started at (uptime while running). */
export function healthReport(s: ReportedServer, running: boolean, startedAt: number): Record<string, unknown> {
  return {
    status: !running ? 'stopped' : s.overload.degraded ? 'degraded' : 'ok',
    ...(s.overload.degraded ? { degraded: { level: s.overload.level, reason: s.overload.reason } } : {}),
    tick: s.world.tick,
    tickHz: s.config.tickHz,
    seed: s.config.seed,
    entities: s.world.aliveCount,
    clients: s.clientCount,
    ...s.host.health(),
    overruns: s.clock.overruns,
    uptimeS: running ? Math.round((performance.now() - startedAt) / 1000) : 0,
    spatial: s.spatial.health(),
    interest: s.interest ? s.interest.health() : 'off',
    ...(s.saves ? { save: s.saves.health() } : {}),
  };
}

/** GET /game.json: what the page needs before it connects (public: nothing about players). */
export function gameInfo(s: Pick<ReportedServer, 'mode' | 'config'>): Record<string, unknown> {
  return { mode: s.mode, tickHz: s.config.tickHz, worldSizeM: s.config.worldSizeM, seed: s.config.seed };
}

/** The status line's tallies: ticks and their time since the previous line, bytes out at it. */
export class StatusLine {
  private ticks = 0;
  private tickMs = 0;
  private bytes = 0;
  private at = 0;

  /** One tick ran, in `elapsedMs`. */
  countTick(elapsedMs: number): void {
    this.ticks++;
    this.tickMs += elapsedMs;
  }

  /** One human-readable line of what happened since the previous call (or since `startedAt`). */
  async next(s: ReportedServer, startedAt: number): Promise<string> {
    const now = performance.now();
    const seconds = Math.max(1e-3, (now - (this.at || startedAt)) / 1000);
    const bytes = (await s.metrics.bytesOut.get()).values[0]?.value ?? 0;
    const line =
      `tick ${s.world.tick} | ${(this.ticks / seconds).toFixed(1)} ticks/s | ` +
      `${this.ticks ? (this.tickMs / this.ticks).toFixed(3) : '0.000'} ms/tick | ` +
      `${s.world.aliveCount} entities | ${s.host.players} players | ${s.clientCount} clients | ` +
      `${((bytes - this.bytes) / seconds / 1024).toFixed(1)} KiB/s out | ` +
      (s.interest ? `interest ${s.interest.lastTickMs.toFixed(3)} ms | ` : '') +
      `${s.clock.overruns} overruns`;
    this.at = now;
    this.ticks = 0;
    this.tickMs = 0;
    this.bytes = bytes;
    return line;
  }
}
