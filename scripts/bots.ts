// npm run demo:bots -- [--url http://127.0.0.1:8080] [--clients 8] [--seconds 20] [--ramp 10s]
//                 [--profile lan|fiber|dsl|4g|satellite|congested-wifi|mixed] [--watch] [--json]
//                 [--mode world|arena] [--play] [--transport udp|websocket] [--seed 1]
//
// World mode (the default; scripts/bots-world.ts): every bot is a player of the server's one
// world, predicting its own avatar and moving by one of the seed's five archetypes; --watch makes
// them watchers instead. Progress every 5 s, a final report (--json: one JSON document on stdout,
// progress on stderr); exit 1 when any bot failed (did not connect or join, never ran, was
// disconnected, or had more rejected snapshots than a small allowance).
//
// Arena mode (--mode arena; scripts/bots-arena.ts): the 64-seat rollback room's bots as before;
// --play takes seats, otherwise they watch.
//
// --profile puts a simulated network (src/net/transport-simulated.ts) on each bot's UDP link, both
// ways, seeded per bot; `mixed` gives each bot one of the profiles in MIXED_PROFILE_SHARES.
// --ramp spreads the connections over that time (default: 10 ms per bot beyond the first 50,
// at most 30 s), so a thousand handshakes do not arrive at once.

import { parseArgs } from 'node:util';
import { connectUdp } from '../src/client/udp-connector.js';
import type { UdpConnector } from '../src/client/game-client.js';
import { PROFILE_NAMES, PROFILES, type ProfileName } from '../src/net/simulator.js';
import { mixedProfiles, SimulatedTransport } from '../src/net/transport-simulated.js';
import { MAX_ARENA_BOTS, runArenaBots } from './bots-arena.js';
import { formatWorldReport, MAX_WORLD_BOTS, runWorldBots } from './bots-world.js';

function fail(message: string): never {
  process.stderr.write(`bots: ${message}\n`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
    options: {
      url: { type: 'string', default: 'http://127.0.0.1:8080' },
      clients: { type: 'string', default: '8' },
      seconds: { type: 'string', default: '20' },
      transport: { type: 'string', default: 'udp' },
      mode: { type: 'string', default: 'world' },
      play: { type: 'boolean', default: false },
      watch: { type: 'boolean', default: false },
      profile: { type: 'string' },
      ramp: { type: 'string' },
      seed: { type: 'string', default: '1' },
      'first-index': { type: 'string', default: '0' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
} catch (err) {
  fail((err as Error).message);
}
const values = parsed.values;
if (values.help) {
  process.stdout.write(`Usage: npm run demo:bots -- [options]

World mode (default): bots play the server's one world, each predicting its own avatar and
moving by one of the seed's five player archetypes; a final report, exit 1 on any failure.

  --url <url>          the server (default http://127.0.0.1:8080)
  --clients <n>        bots, 1..${MAX_WORLD_BOTS} (arena mode: 1..${MAX_ARENA_BOTS}; default 8)
  --seconds <s>        measurement window after the ramp (default 20)
  --ramp <duration>    spread the connections: 10s, 500ms, 2m (default 10 ms per bot over 50, at most 30 s)
  --profile <name>     simulated network on each bot's UDP link: ${PROFILE_NAMES.join(', ')} or mixed
  --watch              watch instead of play (world mode)
  --json               the final report as one JSON document on stdout (progress on stderr)
  --seed <n>           seeds the profile mix, the brains and the links (default 1)
  --first-index <n>    number of the first bot (several bot processes use disjoint ranges, so
                       their loopback source addresses differ; npm run load sets it)
  --mode arena         the 64-seat rollback room's bots (--play takes seats, otherwise they watch)
  --transport <t>      udp (default) or websocket (no --profile)
`);
  process.exit(0);
}

const mode = values.mode;
if (mode !== 'world' && mode !== 'arena') fail(`--mode is world or arena, got ${mode}`);
const maxClients = mode === 'world' ? MAX_WORLD_BOTS : MAX_ARENA_BOTS;
const clients = Number(values.clients);
if (!Number.isInteger(clients) || clients < 1 || clients > maxClients) {
  fail(
    `--clients needs an integer in [1, ${maxClients}] in ${mode} mode, got ${values.clients}` +
      (mode === 'world' ? ' (run several bot processes for more)' : ' (each arena bot simulates the whole room)'),
  );
}
const seconds = Number(values.seconds);
if (!(seconds > 0) || seconds > 86_400) fail(`--seconds needs a positive number of seconds (at most a day), got ${values.seconds}`);
const transport = values.transport;
if (transport !== 'udp' && transport !== 'websocket') fail(`--transport is udp or websocket, got ${transport}`);
const seed = Number(values.seed);
if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) fail(`--seed needs an integer in [0, 4294967295], got ${values.seed}`);

const profileArg = values.profile;
if (profileArg !== undefined && profileArg !== 'mixed' && !(PROFILE_NAMES as string[]).includes(profileArg)) {
  fail(`--profile is one of ${PROFILE_NAMES.join(', ')} or mixed, got ${profileArg}`);
}
if (profileArg !== undefined && transport !== 'udp') fail('--profile simulates the UDP link: it needs --transport udp');
const profile = profileArg as ProfileName | 'mixed' | undefined;

/** "10s", "500ms", "2m" or a number of seconds. */
function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!m) fail(`--ramp needs a duration like 10s, 500ms or 2m, got ${text}`);
  const n = Number(m[1]);
  return m[2] === 'ms' ? n : m[2] === 'm' ? n * 60_000 : n * 1000;
}
const rampMs = values.ramp !== undefined ? parseDuration(values.ramp) : Math.min(30_000, Math.max(0, clients - 50) * 10);
if (rampMs > 3_600_000) fail(`--ramp is at most an hour, got ${values.ramp}`);

if (mode === 'arena') {
  if (values.watch && values.play) fail('--watch and --play exclude each other');
  if (values.json) fail('--json is for world mode');
  const info = (await (await fetch(new URL('/game.json', values.url)).catch(() => null))?.json().catch(() => null)) as { mode?: string } | null;
  if (info && info.mode !== 'arena') {
    process.stderr.write(`bots: the server at ${values.url} runs ${info.mode ?? 'an unknown'} mode: drop --mode arena (or start it with --mode arena)\n`);
    process.exit(1);
  }
  // A fixed profile (or the mixed draw, in order) per arena bot, as in world mode.
  let n = 0;
  const mixed = profile === 'mixed' ? mixedProfiles(clients, seed) : [];
  const udp: UdpConnector = profile
    ? async (host, port) => {
        const link = await connectUdp(host, port);
        const i = n++;
        const p = profile === 'mixed' ? mixed[i % clients]! : PROFILES[profile];
        return { ...link, transport: new SimulatedTransport(link.transport, { profile: p, seed: (seed * 100_003 + i * 7919) >>> 0 }) };
      }
    : connectUdp;
  process.exit(await runArenaBots({ url: values.url, clients, seconds, transport, play: values.play, udp }));
}

if (values.play && values.watch) fail('--watch and --play exclude each other (world-mode bots play unless --watch)');
const log = (line: string) => (values.json ? process.stderr : process.stdout).write(line + '\n');
try {
  const firstIndex = Number(values['first-index']);
  if (!Number.isInteger(firstIndex) || firstIndex < 0 || firstIndex > 1_000_000) fail(`--first-index needs an integer in [0, 1000000], got ${values['first-index']}`);
  const { report, ok } = await runWorldBots({ url: values.url, clients, seconds, rampMs, transport, watch: values.watch, profile, seed, log, firstIndex });
  if (values.json) process.stdout.write(JSON.stringify(report) + '\n');
  else {
    process.stdout.write(formatWorldReport(report) + '\n');
    process.stdout.write(ok ? 'bots: ok\n' : `bots: FAILED (${report.failures} of ${clients} bots)\n`);
  }
  process.exit(ok ? 0 : 1);
} catch (err) {
  process.stderr.write(`bots: ${(err as Error).message}\n`);
  process.exit(1);
}
