// Engine configuration with defaults that run the demo world as-is. `resolveConfig` merges a
// partial config over the defaults and validates every field, throwing ConfigError with the
// option's path, so a bad flag or file is reported before anything starts.

import { ConfigError } from './errors.js';
import { DEFAULT_MAX_CATCH_UP_TICKS, DEFAULT_TICK_HZ } from './clock.js';
import { MAX_ENTITIES } from './entity-id.js';
import { FX_RANGE_M } from './fixed.js';
import type { Bounds } from './schema.js';
import { DEFAULT_NPC_OPTIONS, type NpcOptions } from './world.js';

export interface ChronosConfig {
  /** Side of the square world in metres; the world spans [-size/2, size/2] on x and y. */
  worldSizeM: number;
  /** Height of the world in metres; z spans [0, height]. */
  worldHeightM: number;
  tickHz: number;
  maxCatchUpTicks: number;
  seed: number;
  npcs: number;
  /** Entity slots beyond the NPCs, for players and projectiles. */
  spareEntities: number;
  npc: NpcOptions;
  host: string;
  httpPort: number;
  udpPort: number;
  /** The server publishes its state hash every this many ticks. */
  hashEveryTicks: number;
  maxClients: number;
  // ---- admission and exposure (the README's Security section) ----
  /** Sessions (connected + parked) one IP address may hold. */
  maxSessionsPerIp: number;
  /** Connect tokens POST /connect issues to one IP address per minute (a third of it at once). */
  connectRatePerIp: number;
  /** Origins besides the page's own whose pages may open /ws ('*': any). */
  allowedOrigins: readonly string[];
  /** A player that sends no input this long watches instead: its arena seat or world avatar is
   * freed (0: never). */
  idleSeconds: number;
  /** Bearer token for /players, /metrics and the detailed /healthz from any address ('' : none,
   * loopback only). */
  adminToken: string;
  /** TCP connections the HTTP server holds at once (page loads, /connect, WebSockets). */
  maxHttpConnections: number;
  /** A request must have sent its headers within this long, and all of it within the next. */
  httpHeadersTimeoutMs: number;
  httpRequestTimeoutMs: number;
  /** Reverse proxies whose X-Forwarded-For names the client (addresses, CIDR ranges, or loopback,
   * private, linklocal); empty: every address is the socket's peer (src/net/client-address.ts). */
  trustedProxies: readonly string[];
}

export const DEFAULT_CONFIG: Readonly<ChronosConfig> = Object.freeze({
  worldSizeM: 10_000,
  worldHeightM: 100,
  tickHz: DEFAULT_TICK_HZ,
  maxCatchUpTicks: DEFAULT_MAX_CATCH_UP_TICKS,
  seed: 1,
  npcs: 2_000,
  spareEntities: 1_024,
  npc: DEFAULT_NPC_OPTIONS,
  host: '0.0.0.0',
  httpPort: 8080,
  udpPort: 7777,
  hashEveryTicks: 60,
  maxClients: 10_000,
  maxSessionsPerIp: 32,
  connectRatePerIp: 60,
  allowedOrigins: Object.freeze([]) as readonly string[],
  idleSeconds: 120,
  adminToken: '',
  maxHttpConnections: 2_048,
  httpHeadersTimeoutMs: 10_000,
  httpRequestTimeoutMs: 30_000,
  trustedProxies: Object.freeze([]) as readonly string[],
});

export type PartialConfig = Partial<Omit<ChronosConfig, 'npc'>> & { npc?: Partial<NpcOptions> };

function integerIn(path: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(path, `must be an integer in [${min}, ${max}], got ${String(value)}`);
  }
}

function numberIn(path: string, value: number, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new ConfigError(path, `must be a number in [${min}, ${max}], got ${String(value)}`);
  }
}

export function resolveConfig(partial: PartialConfig = {}): ChronosConfig {
  const config: ChronosConfig = { ...DEFAULT_CONFIG, ...partial, npc: { ...DEFAULT_CONFIG.npc, ...partial.npc } };
  numberIn('worldSizeM', config.worldSizeM, 1, 2 * (FX_RANGE_M - 1));
  numberIn('worldHeightM', config.worldHeightM, 0.001, FX_RANGE_M - 1);
  numberIn('tickHz', config.tickHz, 1, 1000);
  integerIn('maxCatchUpTicks', config.maxCatchUpTicks, 1, 1000);
  integerIn('seed', config.seed, 0, 0xffffffff);
  integerIn('npcs', config.npcs, 0, MAX_ENTITIES);
  integerIn('spareEntities', config.spareEntities, 0, MAX_ENTITIES);
  if (config.npcs + config.spareEntities < 1 || config.npcs + config.spareEntities > MAX_ENTITIES) {
    throw new ConfigError('npcs', `npcs + spareEntities must be in [1, ${MAX_ENTITIES}]`);
  }
  integerIn('httpPort', config.httpPort, 0, 65535);
  integerIn('udpPort', config.udpPort, 0, 65535);
  integerIn('hashEveryTicks', config.hashEveryTicks, 1, 1_000_000);
  integerIn('maxClients', config.maxClients, 1, 100_000);
  integerIn('maxSessionsPerIp', config.maxSessionsPerIp, 1, 100_000);
  integerIn('connectRatePerIp', config.connectRatePerIp, 1, 1_000_000);
  if (!Array.isArray(config.allowedOrigins) || !config.allowedOrigins.every((o) => typeof o === 'string' && (o === '*' || /^https?:\/\/[^/\s]+$/.test(o)))) {
    throw new ConfigError('allowedOrigins', 'must be origins like https://game.example (scheme, host, optional port; no path) or *');
  }
  numberIn('idleSeconds', config.idleSeconds, 0, 86_400);
  if (typeof config.adminToken !== 'string' || (config.adminToken !== '' && !/^[\x21-\x7e]{16,256}$/.test(config.adminToken))) {
    throw new ConfigError('adminToken', 'must be 16 to 256 printable characters (no spaces)');
  }
  integerIn('maxHttpConnections', config.maxHttpConnections, 1, 1_000_000);
  integerIn('httpHeadersTimeoutMs', config.httpHeadersTimeoutMs, 100, 600_000);
  integerIn('httpRequestTimeoutMs', config.httpRequestTimeoutMs, config.httpHeadersTimeoutMs, 3_600_000);
  if (!Array.isArray(config.trustedProxies) || !config.trustedProxies.every((p) => typeof p === 'string' && p.length > 0 && p.length <= 64)) {
    throw new ConfigError('trustedProxies', 'must be a list of addresses, CIDR ranges, or loopback / private / linklocal');
  }
  if (typeof config.host !== 'string' || config.host.length === 0) throw new ConfigError('host', 'must be a host name or address');
  return config;
}

export function worldBounds(config: Pick<ChronosConfig, 'worldSizeM' | 'worldHeightM'>): Bounds {
  const half = config.worldSizeM / 2;
  return { minX: -half, minY: -half, minZ: 0, maxX: half, maxY: half, maxZ: config.worldHeightM };
}
