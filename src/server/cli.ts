// The `chronos` command line. `chronos serve` (what `npm run demo` runs) starts the built-in demo server.
// Bad flags print one clear line and exit 2; a port in use names the port and exits 1;
// SIGINT and SIGTERM stop the server cleanly and exit 0.

import { parseArgs } from 'node:util';
import { availableParallelism } from 'node:os';
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { ChronosError, ConfigError, PortInUseError } from '../core/errors.js';
import { DEFAULT_CONFIG, type PartialConfig } from '../core/config.js';
import { DEFAULT_MAX_PLAYERS, MAX_SESSION_PLAYERS } from '../client/demo-game.js';
import { GameServer, DEFAULT_WORLD_NPCS } from './game-server.js';
import { SERVER_MODES, type ServerMode } from './mode-host.js';
import { DEFAULT_AOI_RADIUS_M } from './interest-host.js';
import { FileSaveStore, SaveError } from '../persist/index.js';
import { TrustedProxies } from '../net/client-address.js';
import { runScaffoldCommand, SCAFFOLD_USAGE } from './cli-scaffold.js';

export const VERSION = '0.1.0';
/** Seconds between status lines while serving. */
const STATUS_EVERY_S = 30;
/** Autosave interval when --save is given without --autosave. */
export const DEFAULT_AUTOSAVE_S = 60;

export const USAGE = `Usage: chronos [serve] [options]
       chronos init <dir> [--link] | chronos build [<dir>]

Runs the Chronos demo server: a ${DEFAULT_CONFIG.worldSizeM / 1000} km x ${DEFAULT_CONFIG.worldSizeM / 1000} km world of wandering NPCs, simulated in
WebAssembly at ${DEFAULT_CONFIG.tickHz} Hz, a web page to play it in, and the UDP game port for Node clients and bots.

Your own game:
${SCAFFOLD_USAGE}

Modes:
  world (default)      One server-authoritative world for up to --max-clients players: each
                       client predicts its own avatar with the same module and hears only
                       what is around it (${DEFAULT_WORLD_NPCS} NPCs unless --npcs says otherwise)
  arena                A lockstep-rollback room of up to ${DEFAULT_MAX_PLAYERS} players who all simulate the whole
                       world from everyone's confirmed inputs (${DEFAULT_CONFIG.npcs} NPCs by default)

Options:
  --mode <mode>        world or arena (default world)
  --max-clients <n>    World mode: connections (each with an avatar) at once (default ${DEFAULT_CONFIG.maxClients})
  --workers <n>        World mode: network worker threads, each with its own UDP port from
                       --udp-port on (default: the core count, ${availableParallelism()} here; 0 = none)
  --http-port <port>   HTTP port: web page, /ws, /healthz, /metrics (default ${DEFAULT_CONFIG.httpPort}; 0 = any free port)
  --udp-port <port>    UDP game port (default ${DEFAULT_CONFIG.udpPort}; 0 = any free port)
  --host <address>     Address to listen on (default ${DEFAULT_CONFIG.host})
  --npcs <count>       NPCs in the world (default: ${DEFAULT_WORLD_NPCS} in world mode, ${DEFAULT_CONFIG.npcs} in arena mode)
  --max-players <n>    Arena mode: players at once, 1..${MAX_SESSION_PLAYERS}; later arrivals watch and wait (default ${DEFAULT_MAX_PLAYERS})
  --world-size <m>     Side of the square world in metres (default ${DEFAULT_CONFIG.worldSizeM})
  --seed <n>           World seed, 0..4294967295 (default ${DEFAULT_CONFIG.seed})
  --tick-hz <hz>       Simulation rate (default ${DEFAULT_CONFIG.tickHz})
  --aoi-radius <m>     Interest management: each client hears what is within this radius of its
                       avatar or camera (default ${DEFAULT_AOI_RADIUS_M})
  --no-interest        Arena mode: no interest-managed snapshots (the rollback session alone)
  --save <file>        Restore the world from this save at start when it exists (NPCs,
                       projectiles, tick, PRNG, kills; not player avatars), save it every
                       --autosave and once at shutdown (written atomically: temp file, fsync, rename)
  --autosave <time>    Between saves, e.g. 60s, 5m, 500ms (default ${DEFAULT_AUTOSAVE_S}s; 0 = only at shutdown)

Security (see the README's Security section):
  --max-sessions-per-ip <n>   Sessions one IP address may hold (default ${DEFAULT_CONFIG.maxSessionsPerIp})
  --connect-rate <n>          Connect tokens per minute per IP from POST /connect (default ${DEFAULT_CONFIG.connectRatePerIp})
  --allow-origin <origin>     Another origin whose pages may open /ws (repeatable; * for any;
                              default: the page's own origin only)
  --idle-seconds <s>          Seconds without input before a player watches instead: arena
                              mode frees its seat, world mode takes its avatar out of the
                              world (default ${DEFAULT_CONFIG.idleSeconds}; 0 = never)
  --admin-token <token>       /players, /metrics and the detailed /healthz for Authorization:
                              Bearer <token> from any address (default: loopback only)
  --max-http-connections <n>  HTTP/WebSocket connections at once (default ${DEFAULT_CONFIG.maxHttpConnections})
  --trust-proxy <list>        Reverse proxies in front of /connect and /ws whose X-Forwarded-For
                              names the client, for the per-IP limits and the loopback-only
                              routes: addresses, CIDR ranges, loopback, private, linklocal,
                              comma-separated (default: none; every client is its socket's peer)
  -h, --help           Show this help
  -v, --version        Show the version
`;

export class UsageError extends ChronosError {
  constructor(message: string) {
    super('E_INVALID_ARGUMENT', message);
  }
}

function parseNumber(flag: string, text: string | undefined, integer: boolean): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new UsageError(`${flag} needs ${integer ? 'an integer' : 'a number'}, got "${text}"`);
  }
  return value;
}

/** The engine configuration plus the demo game's own options. */
export type ServeOptions = PartialConfig & {
  mode?: ServerMode;
  workers?: number;
  maxPlayers?: number;
  interest?: false | { radiusM: number };
  /** --save and --autosave (ms). */
  save?: { file: string; autosaveMs: number };
};

export interface ParsedCommand {
  command: 'serve' | 'help' | 'version';
  config: ServeOptions;
}

export function parseCommandLine(argv: readonly string[]): ParsedCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        'http-port': { type: 'string' },
        'udp-port': { type: 'string' },
        host: { type: 'string' },
        npcs: { type: 'string' },
        mode: { type: 'string' },
        'max-clients': { type: 'string' },
        workers: { type: 'string' },
        'max-players': { type: 'string' },
        'world-size': { type: 'string' },
        seed: { type: 'string' },
        'tick-hz': { type: 'string' },
        'aoi-radius': { type: 'string' },
        'no-interest': { type: 'boolean' },
        'max-sessions-per-ip': { type: 'string' },
        'connect-rate': { type: 'string' },
        'allow-origin': { type: 'string', multiple: true },
        'idle-seconds': { type: 'string' },
        'admin-token': { type: 'string' },
        'max-http-connections': { type: 'string' },
        'trust-proxy': { type: 'string', multiple: true },
        save: { type: 'string' },
        autosave: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return { command: 'help', config: {} };
  if (values.version) return { command: 'version', config: {} };
  const [command = 'serve', ...extra] = positionals;
  if (command === 'help') return { command: 'help', config: {} };
  if (command !== 'serve') throw new UsageError(`unknown command "${command}"`);
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  const config: ServeOptions = {};
  const httpPort = parseNumber('--http-port', values['http-port'], true);
  const udpPort = parseNumber('--udp-port', values['udp-port'], true);
  const npcs = parseNumber('--npcs', values.npcs, true);
  const seed = parseNumber('--seed', values.seed, true);
  const tickHz = parseNumber('--tick-hz', values['tick-hz'], false);
  const maxPlayers = parseNumber('--max-players', values['max-players'], true);
  const worldSizeM = parseNumber('--world-size', values['world-size'], false);
  if (httpPort !== undefined) config.httpPort = httpPort;
  if (udpPort !== undefined) config.udpPort = udpPort;
  if (npcs !== undefined) config.npcs = npcs;
  if (seed !== undefined) config.seed = seed;
  if (tickHz !== undefined) config.tickHz = tickHz;
  if (maxPlayers !== undefined) config.maxPlayers = maxPlayers;
  if (worldSizeM !== undefined) config.worldSizeM = worldSizeM;
  if (values.host !== undefined) config.host = values.host;
  const maxSessionsPerIp = parseNumber('--max-sessions-per-ip', values['max-sessions-per-ip'], true);
  const connectRatePerIp = parseNumber('--connect-rate', values['connect-rate'], true);
  const idleSeconds = parseNumber('--idle-seconds', values['idle-seconds'], false);
  const maxHttpConnections = parseNumber('--max-http-connections', values['max-http-connections'], true);
  if (maxSessionsPerIp !== undefined) config.maxSessionsPerIp = maxSessionsPerIp;
  if (connectRatePerIp !== undefined) config.connectRatePerIp = connectRatePerIp;
  if (idleSeconds !== undefined) config.idleSeconds = idleSeconds;
  if (maxHttpConnections !== undefined) config.maxHttpConnections = maxHttpConnections;
  if (values['allow-origin'] !== undefined) config.allowedOrigins = values['allow-origin'];
  if (values['admin-token'] !== undefined) config.adminToken = values['admin-token'];
  if (values['trust-proxy'] !== undefined) {
    const entries = values['trust-proxy'].flatMap((list) => list.split(',')).map((e) => e.trim()).filter((e) => e !== '');
    try {
      new TrustedProxies(entries);
    } catch (err) {
      throw new UsageError(`--trust-proxy: ${(err as Error).message}`);
    }
    config.trustedProxies = entries;
  }
  const aoiRadiusM = parseNumber('--aoi-radius', values['aoi-radius'], false);
  if (values['no-interest'] && aoiRadiusM !== undefined) throw new UsageError('--aoi-radius and --no-interest exclude each other');
  if (aoiRadiusM !== undefined) {
    if (!(aoiRadiusM >= 1 && aoiRadiusM <= 10_000)) throw new UsageError(`--aoi-radius needs metres in [1, 10000], got ${aoiRadiusM}`);
    config.interest = { radiusM: aoiRadiusM };
  }
  if (values['no-interest']) config.interest = false;
  if (values.mode !== undefined) {
    if (!SERVER_MODES.includes(values.mode as ServerMode)) throw new UsageError(`--mode is world or arena, got "${values.mode}"`);
    config.mode = values.mode as ServerMode;
  }
  const mode = config.mode ?? 'world';
  const maxClients = parseNumber('--max-clients', values['max-clients'], true);
  if (maxClients !== undefined) config.maxClients = maxClients;
  const workers = parseNumber('--workers', values.workers, true);
  if (workers !== undefined) {
    if (mode === 'arena') throw new UsageError('--workers is for world mode: arena mode runs on one thread');
    if (workers < 0 || workers > 256) throw new UsageError(`--workers needs an integer in [0, 256], got ${workers}`);
    config.workers = workers;
  }
  if (values.autosave !== undefined && values.save === undefined) throw new UsageError('--autosave needs --save FILE');
  if (values.save !== undefined) {
    if (values.save.trim() === '') throw new UsageError('--save needs a file name');
    const autosaveMs = values.autosave === undefined ? DEFAULT_AUTOSAVE_S * 1000 : parseDuration('--autosave', values.autosave);
    config.save = { file: values.save, autosaveMs };
  }
  if (mode === 'world' && maxPlayers !== undefined) throw new UsageError('--max-players is for --mode arena; world mode takes --max-clients');
  if (mode === 'world' && values['no-interest']) throw new UsageError('--no-interest is for --mode arena: world mode is interest-managed');
  return { command: 'serve', config };
}

/** '60s', '5m', '500ms', '1h', or plain seconds; 0, or at least 100 ms. */
export function parseDuration(flag: string, text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  if (!match) throw new UsageError(`${flag} needs a duration such as 60s, 5m or 500ms, got "${text}"`);
  const ms = Number(match[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(match[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  if (ms !== 0 && (ms < 100 || ms > 86_400_000)) throw new UsageError(`${flag} needs 0 or 100ms to 24h, got "${text}"`);
  return Math.round(ms);
}

const FLAG_OF_OPTION: Record<string, string> = {
  httpPort: '--http-port',
  udpPort: '--udp-port',
  npcs: '--npcs',
  seed: '--seed',
  tickHz: '--tick-hz',
  host: '--host',
  maxPlayers: '--max-players',
  maxClients: '--max-clients',
  workers: '--workers',
  worldSizeM: '--world-size',
  interest: '--aoi-radius',
  maxSessionsPerIp: '--max-sessions-per-ip',
  connectRatePerIp: '--connect-rate',
  allowedOrigins: '--allow-origin',
  idleSeconds: '--idle-seconds',
  adminToken: '--admin-token',
  maxHttpConnections: '--max-http-connections',
  trustedProxies: '--trust-proxy',
};

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

/** Runs the CLI; resolves with the process exit code. */
export async function main(argv: readonly string[], io: { out: (s: string) => void; err: (s: string) => void } = {
  out: (s) => process.stdout.write(s + '\n'),
  err: (s) => process.stderr.write(s + '\n'),
}): Promise<number> {
  const scaffold = await runScaffoldCommand(argv, io);
  if (scaffold !== null) return scaffold;
  let parsed: ParsedCommand;
  try {
    parsed = parseCommandLine(argv);
  } catch (err) {
    io.err(`chronos: ${(err as Error).message}\nRun "chronos --help" for usage.`);
    return 2;
  }
  if (parsed.command === 'help') {
    io.out(USAGE);
    return 0;
  }
  if (parsed.command === 'version') {
    io.out(`chronos ${VERSION}`);
    return 0;
  }
  // Signal handlers go in before anything else: a signal that arrives while starting, or right
  // after the banner is printed, must still shut down cleanly rather than kill the process.
  let server: GameServer | undefined;
  let stopping = false;
  let resolveStopped: (code: number) => void = () => undefined;
  const stopped = new Promise<number>((resolve) => (resolveStopped = resolve));
  let status: NodeJS.Timeout | undefined;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) {
      // A second signal while stopping: the user wants out now.
      io.err(`${signal} again: exiting without waiting`);
      process.exit(1);
    }
    stopping = true;
    clearInterval(status);
    io.out(`${signal}: shutting down`);
    if (!server) return; // still starting: stopped right after start returns
    server.stop().then(
      () => resolveStopped(0),
      (err: Error) => {
        io.err(`chronos: error while stopping: ${err.message}`);
        resolveStopped(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  const removeHandlers = () => {
    process.off('SIGINT', shutdown);
    process.off('SIGTERM', shutdown);
  };
  try {
    const mode = parsed.config.mode ?? 'world';
    // World mode spreads its connections over a network worker per core unless told otherwise.
    const workers = parsed.config.workers ?? (mode === 'world' ? availableParallelism() : 0);
    const { save: saveFlags, ...config } = parsed.config;
    let save;
    if (saveFlags) {
      const path = resolve(saveFlags.file);
      if (!existsSync(dirname(path)) || !statSync(dirname(path)).isDirectory()) {
        removeHandlers();
        io.err(`chronos: --save ${saveFlags.file}: the directory ${dirname(path)} does not exist`);
        return 1;
      }
      save = { store: new FileSaveStore(dirname(path)), name: basename(path), autosaveMs: saveFlags.autosaveMs };
    }
    server = await GameServer.start({ ...config, workers, log: io.out, ...(save ? { save } : {}) });
  } catch (err) {
    removeHandlers();
    if (err instanceof ConfigError) {
      io.err(`chronos: ${FLAG_OF_OPTION[err.option] ?? err.option}: ${err.message.slice(err.option.length + 2)}\nRun "chronos --help" for usage.`);
      return 2;
    }
    if (err instanceof SaveError) {
      io.err(`chronos: --save ${parsed.config.save?.file ?? ''}: cannot restore the world: ${err.message}`);
      return 1;
    }
    if (err instanceof PortInUseError) {
      const flag = err.protocol === 'tcp' ? '--http-port' : '--udp-port';
      io.err(`chronos: ${err.message}; stop what holds it or choose another with ${flag}`);
      return 1;
    }
    io.err(`chronos: cannot start: ${(err as Error).message}`);
    return 1;
  }
  const c = server.config;
  const host = urlHost(c.host);
  io.out(
    [
      `chronos ${VERSION} (${server.mode} mode): ${c.worldSizeM / 1000} km x ${c.worldSizeM / 1000} km world, ${server.world.aliveCount} NPCs, seed ${c.seed}, ${c.tickHz} Hz, up to ${server.play ? server.play.seats.size : c.maxClients} players`,
      `  web page   http://${host}:${server.httpPort}/`,
      `  websocket  ws://${host}:${server.httpPort}/ws`,
      `  health     http://${host}:${server.httpPort}/healthz`,
      `  metrics    http://${host}:${server.httpPort}/metrics`,
      server.udpPorts.length > 1
        ? `  game ports udp ${c.host}:${server.udpPorts.join(', ')} (one network worker each)`
        : `  game port  udp ${c.host}:${server.udpPorts[0]}${server.net.pool ? ' (one network worker)' : ''}`,
      server.interest
        ? `  interest   each client hears what lies within ${server.interest.setup.radiusM} m of it (--aoi-radius)`
        : `  interest   off (--no-interest)`,
      ...(c.trustedProxies.length > 0 ? [`  proxies    X-Forwarded-For from ${c.trustedProxies.join(', ')} names the client (--trust-proxy)`] : []),
      ...(server.saves
        ? [
            `  save       ${server.saves.target} (${server.saves.restored ? `restored tick ${server.saves.restored.tick}, ${server.saves.restored.entities} entities` : 'new'}), ` +
              (server.saves.options.autosaveMs > 0 ? `every ${server.saves.options.autosaveMs / 1000} s and at shutdown` : 'at shutdown'),
          ]
        : []),
      `Press Ctrl+C to stop.`,
    ].join('\n'),
  );
  if (stopping) {
    await server.stop();
    removeHandlers();
    return 0;
  }
  const running = server;
  status = setInterval(() => {
    running.statusLine().then(io.out, () => undefined);
  }, STATUS_EVERY_S * 1000);
  const code = await stopped;
  removeHandlers();
  return code;
}
