// World-mode bots (`npm run demo:bots`, the default): N WorldClients in one Node process, each a player
// of the server's one world that simulates nothing but its own avatar: it decodes its
// interest-managed snapshots (interpolate: false, nothing is drawn), predicts its avatar with the
// same chronos.wasm step and reconciles against the server's OWN state, and moves by one of the
// seed's five player archetypes (src/world/archetypes.ts), spawned at its archetype's hub. With
// --profile each bot's UDP link crosses a LinkSimulator both ways (src/net/transport-simulated.ts);
// `mixed` draws each bot's profile from MIXED_PROFILE_SHARES.
//
// Cost per bot: one WorldClient (a NetClient, a connected UDP socket, an OwnPredictor of two
// tiny worlds and a SnapshotView in the arena). Bots share one chronos.wasm instance and arena per
// BOTS_PER_ARENA; one 50 ms loop runs every brain; the SDK's own 16 ms timer drives each client.
//
// Connections are ramped (--ramp), the measurement window (--seconds) starts once every bot has
// been started, a progress line is printed every 5 s, and the final report covers the window.
// Each bot's record and sampling are in bots-world-sampling.ts, the report's figures and text in
// bots-world-report.ts.

import { mulberry32 } from '../src/core/mulberry32.js';
import { worldBounds } from '../src/core/config.js';
import { WorldClient } from '../src/client/world-client.js';
import { lookup } from 'node:dns/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { connectUdp, udpConnectorFrom } from '../src/client/udp-connector.js';
import { fetchFrom } from '../src/client/local-fetch.js';
import type { UdpConnector } from '../src/client/game-client.js';
import { emptyOwnState, type WorldJoin } from '../src/codec/world-messages.js';
import { createViewBodies } from '../src/codec/snapshot-view.js';
import { loadServerCrypto } from '../src/net/crypto-node.js';
import { PROFILES, type ProfileName } from '../src/net/simulator.js';
import { defaultLinkScheduler, mixedProfiles, SimulatedTransport } from '../src/net/transport-simulated.js';
import { DisconnectReason } from '../src/net/spec.js';
import { Arena } from '../src/wasm/arena.js';
import { loadChronos } from '../src/wasm/loader.js';
import { ArchetypeBrain, archetypeHub, assignArchetypes, PLAYER_ARCHETYPES } from '../src/world/archetypes.js';
import { worldHubs, type Hub } from '../src/world/hubs.js';
import { AckLatencies, endVerdict, JOIN_TIMEOUT_MS, linkTotals, markOf, newBot, SAMPLE_MS, sampleBot, shotTotals, type Bot, type BotMark } from './bots-world-sampling.js';
import { kb, round, spread, type WorldBotsReport } from './bots-world-report.js';

export { formatWorldReport, type Spread, type WorldBotsReport } from './bots-world-report.js';

/** Bots per chronos.wasm instance (one arena, one memory of at most 1 GiB): ~0.5 MB of arena each. */
export const BOTS_PER_ARENA = 1024;
export const MAX_WORLD_BOTS = 20_000;
const BRAIN_MS = 50;
const PROGRESS_MS = 5000;
const LOOP_RESOLUTION_MS = 20;

export interface WorldBotsOptions {
  url: string;
  clients: number;
  /** Number of this process's first bot (several bot processes take disjoint ranges: their source addresses differ). */
  firstIndex?: number;
  seconds: number;
  rampMs: number;
  transport: 'udp' | 'websocket';
  watch: boolean;
  /** A profile name, 'mixed', or undefined (no simulated network). */
  profile: ProfileName | 'mixed' | undefined;
  seed: number;
  /** Progress lines (the report is the caller's to print). */
  log: (line: string) => void;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs the world bots; resolves with the report and whether every bot did its part. */
export async function runWorldBots(o: WorldBotsOptions): Promise<{ report: WorldBotsReport; ok: boolean }> {
  const log = o.log;
  const tokenUrl = new URL('/connect', o.url).href;
  // The world's seed and size, for the hubs, before any bot says HELLO.
  const info = (await (await fetch(new URL('/game.json', o.url))).json()) as { mode?: string; worldSizeM?: number; seed?: number };
  if (info.mode !== 'world') throw new Error(`the server at ${o.url} runs ${info.mode ?? 'an unknown'} mode: use --mode ${info.mode === 'arena' ? 'arena' : '<its mode>'}`);
  const bounds = worldBounds({ worldSizeM: info.worldSizeM ?? 10_000, worldHeightM: 0 });
  const hubs: Hub[] = worldHubs(info.seed ?? 1, bounds);

  const crypto = await loadServerCrypto();
  const arenas: Arena[] = [];
  const arenaFor = async (index: number): Promise<Arena> => {
    const k = Math.floor(index / BOTS_PER_ARENA);
    while (arenas.length <= k) arenas.push(new Arena(await loadChronos()));
    return arenas[k]!;
  };
  await arenaFor(0);
  // With --expose-gc (npm run demo:bots passes it) memory is measured after a collection.
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const arenaBase = arenas.map((a) => a.stats().topByte - a.base);
  const rssBaseline = process.memoryUsage().rss;
  const heapBaseline = process.memoryUsage().heapUsed;
  const scheduler = defaultLinkScheduler();

  const profileName = o.profile ?? 'none';
  log(
    `bots: ${o.clients} world-mode clients ${o.watch ? 'watching' : 'playing'} over ${o.transport}${o.profile ? ` (network ${profileName})` : ''} at ${o.url}, ` +
      `ramp ${(o.rampMs / 1000).toFixed(1)} s, then ${o.seconds} s (crypto ${crypto.name})`,
  );

  const bots: Bot[] = [];
  const archetypeList = assignArchetypes(o.clients);
  const mixed = o.profile === 'mixed' ? mixedProfiles(o.clients, o.seed) : [];
  for (let i = 0; i < o.clients; i++) {
    const archetype = archetypeList[i]!;
    const rand = mulberry32((o.seed * 0x9e3779b1 + i * 0x85ebca6b) >>> 0);
    const hub = archetypeHub(archetype, hubs, rand);
    const profile = o.profile === undefined ? undefined : o.profile === 'mixed' ? mixed[i] : PROFILES[o.profile];
    bots.push(newBot(i, archetype, hub, profile));
  }

  // A server on this machine sees each bot from its own loopback address (127.100.x.y), for its
  // token request and its UDP link alike: its per-address limits (handshakes, connect tokens,
  // sessions) would otherwise admit about 10 bots a second and 32 in all.
  const sourceFor = (i: number) => {
    const n = i + 1 + (o.firstIndex ?? 0);
    return `127.${100 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}`;
  };
  const connectorFor = (bot: Bot): UdpConnector => {
    const profile = bot.profile;
    return async (host, port) => {
      const { address } = await lookup(host);
      const link = /^127\./.test(address) ? await udpConnectorFrom(sourceFor(bot.index))(address, port) : await connectUdp(address, port);
      if (!profile) return link;
      const transport = new SimulatedTransport(link.transport, { profile, seed: (o.seed * 100_003 + bot.index * 7919 + bot.transports.length) >>> 0, scheduler });
      bot.transports.push(transport);
      return { ...link, transport };
    };
  };

  const start = async (bot: Bot): Promise<void> => {
    bot.startedAt = performance.now();
    try {
      const local = /^https?:\/\/(127\.|localhost)/.test(tokenUrl);
      const client = await WorldClient.create({
        tokenUrl,
        ...(local ? { fetch: fetchFrom(sourceFor(bot.index)) } : {}),
        arena: await arenaFor(bot.index),
        name: `bot-${bot.index}`,
        mode: o.watch ? 'watch' : 'play',
        hub: bot.hub,
        transport: o.transport,
        udp: connectorFor(bot),
        crypto,
        interpolate: false,
        handlers: {
          join: (join) => onJoin(bot, join),
          interrupt: () => void bot.interrupts++,
          disconnect: (reason) => void (bot.disconnected = DisconnectReason[reason] ?? `reason ${reason}`),
        },
      });
      bot.client = client;
      await client.connect();
      bot.connectedAt = performance.now();
    } catch (err) {
      bot.failed = `could not connect: ${(err as Error).message}`;
    }
  };

  const onJoin = (bot: Bot, join: WorldJoin): void => {
    if (bot.joinedAt < 0) bot.joinedAt = performance.now();
    const hubsNow = worldHubs(join.seed, join.bounds);
    if (join.mode === 'watch') {
      const h = hubsNow[bot.hub] ?? hubsNow[0]!;
      bot.client?.sendViewer(h.x, h.y);
      return;
    }
    bot.brain = new ArchetypeBrain({
      archetype: bot.archetype,
      hubs: hubsNow,
      homeHub: bot.hub,
      playerSpeedMps: join.rules.playerSpeedMps,
      shotRangeM: join.lagCompensation.rangeM,
      bounds: join.bounds,
      seed: (o.seed * 31 + bot.index * 0x27d4eb2d) >>> 0,
    });
  };

  // ---- the brains: one loop for all --------------------------------------------------------
  const own = emptyOwnState();
  let bodies = createViewBodies(256);
  const acks = new AckLatencies();
  let lastAckSample = 0;
  const think = () => {
    const now = performance.now();
    const sampleAck = now - lastAckSample >= 250;
    if (sampleAck) lastAckSample = now;
    for (const bot of bots) {
      const c = bot.client;
      const brain = bot.brain;
      const p = c?.predictor;
      if (!c || !brain || !p || !p.synced || c.net.state !== 'connected') continue;
      p.predictedState(own);
      const x = own.x / 65536, y = own.y / 65536;
      let view = null;
      if (brain.wantsView(now) && c.interest.view) {
        const v = c.interest.view;
        if (bodies.ids.length < v.handles) bodies = createViewBodies(v.handles);
        v.collectInto(bodies, v.tick);
        view = bodies;
      }
      const input = brain.think(x, y, now, view, c.avatarId, bot.input);
      const buttons = (input.fire ? 1 : 0) | (input.shoot ? 2 : 0);
      if (input.moveX !== bot.lastMoveX || input.moveY !== bot.lastMoveY || input.aimRad !== bot.lastAim || buttons !== bot.lastButtons) {
        bot.lastMoveX = input.moveX;
        bot.lastMoveY = input.moveY;
        bot.lastAim = input.aimRad;
        bot.lastButtons = buttons;
        c.setInput(input);
      }
      if (sampleAck && p.stats.inputAckMs > 0 && p.stats.checked > 0) acks.add(p.stats.inputAckMs);
    }
  };

  let connectedSum = 0;
  let connectedSamples = 0;
  const sample = () => {
    let connected = 0;
    for (const bot of bots) if (bot.client?.net.state === 'connected') connected++;
    connectedSum += connected;
    connectedSamples++;
    for (const bot of bots) sampleBot(bot);
  };

  const t0 = performance.now();
  const progress = () => {
    const now = performance.now();
    const connected = bots.filter((b) => b.client?.net.state === 'connected').length;
    const players = bots.filter((b) => b.client?.running === true).length;
    const rtts = bots.filter((b) => b.client?.net.state === 'connected').map((b) => b.client!.net.net.connection.rttMs);
    const ins = bots.filter((b) => b.client).map((b) => {
      const d = b.bytesIn - b.prevIn;
      b.prevIn = b.bytesIn;
      return (d * 1000) / PROGRESS_MS;
    });
    let checked = 0, mispredicted = 0, rejected = 0;
    for (const b of bots) {
      const s = b.client?.predictor?.stats;
      checked += s?.checked ?? 0;
      mispredicted += s?.mispredicted ?? 0;
      rejected += b.client?.interest.rejected ?? 0;
    }
    const failures = bots.filter((b) => b.failed || b.disconnected).length;
    const r = spread(rtts), bi = spread(ins);
    log(
      `  t=${Math.round((now - t0) / 1000)} s: ${connected}/${o.clients} connected, ${players} players, rtt mean ${r.mean.toFixed(0)} ms p99 ${r.p99.toFixed(0)} ms, ` +
        `in/bot p50 ${kb(bi.p50)}/s p99 ${kb(bi.p99)}/s, corrections ${checked ? ((100 * mispredicted) / checked).toFixed(2) : '0.00'} %, ` +
        `rejected ${rejected}, failures ${failures}; bots' loop stalled up to ${Math.max(0, progressLoop.max / 1e6 - LOOP_RESOLUTION_MS).toFixed(0)} ms` +
        (o.profile ? `, ${scheduler.pending} packets on the simulated links` : ''),
    );
    progressLoop.reset();
  };
  const progressLoop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  progressLoop.enable();

  const brainTimer = setInterval(think, BRAIN_MS);
  const sampleTimer = setInterval(sample, SAMPLE_MS);
  const progressTimer = setInterval(progress, PROGRESS_MS);

  // ---- ramp ---------------------------------------------------------------------------------
  const starts: Promise<void>[] = [];
  for (const bot of bots) {
    const at = t0 + (bot.index * o.rampMs) / o.clients;
    const wait = at - performance.now();
    if (wait > 1) await sleep(wait);
    starts.push(start(bot));
  }
  // Every connection attempt has resolved (connected or failed), or the join timeout has passed.
  await Promise.race([Promise.all(starts), sleep(JOIN_TIMEOUT_MS)]);
  const joinDeadline = performance.now() + 5000;
  while (performance.now() < joinDeadline && bots.some((b) => !b.failed && b.connectedAt >= 0 && (b.joinedAt < 0 || (!o.watch && !b.client?.running)))) await sleep(100);
  const rampS = (performance.now() - t0) / 1000;
  const connectedAll = bots.filter((b) => b.connectedAt >= 0).length;
  log(`  ramp done in ${rampS.toFixed(1)} s: ${connectedAll}/${o.clients} connected, ${bots.filter((b) => b.joinedAt >= 0).length} joined; measuring for ${o.seconds} s`);

  // ---- the measurement window ---------------------------------------------------------------
  sample();
  connectedSum = 0;
  connectedSamples = 0;
  for (const bot of bots) bot.mark = markOf(bot);
  const cpu0 = process.cpuUsage();
  const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  loop.enable();
  const w0 = performance.now();
  await sleep(o.seconds * 1000);
  sample();
  const windowS = (performance.now() - w0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  for (const bot of bots) bot.end = markOf(bot);
  // The histogram holds the time between samples: the delay is what exceeds the resolution.
  const lateMs = (ns: number) => Math.max(0, ns / 1e6 - LOOP_RESOLUTION_MS);
  const loopDelay = { p50: lateMs(loop.percentile(50)), p99: lateMs(loop.percentile(99)), max: lateMs(loop.max) };
  loop.disable();
  gc?.();
  const mem = process.memoryUsage();
  let serverPlayers: number | null = null;
  try {
    const health = (await (await fetch(new URL('/healthz', o.url))).json()) as { players?: number };
    serverPlayers = typeof health.players === 'number' ? health.players : null;
  } catch {
    serverPlayers = null;
  }
  clearInterval(brainTimer);
  clearInterval(sampleTimer);
  clearInterval(progressTimer);
  progressLoop.disable();

  // ---- the report ---------------------------------------------------------------------------
  const now = performance.now();
  // Figures are over the bots still connected at the end (the others are counted as failures).
  const live = bots.filter((b) => b.client && b.connectedAt >= 0 && b.client.net.state === 'connected' && !b.disconnected);
  for (const bot of bots) if (!bot.failed) bot.failed = endVerdict(bot, o.watch, now);
  const failedBots = bots.filter((b) => b.failed);
  const reasons: Record<string, number> = {};
  for (const b of failedBots) {
    const key = b.failed!.replace(/\d+/g, 'N');
    reasons[key] = (reasons[key] ?? 0) + 1;
  }
  const delta = (b: Bot, k: keyof BotMark) => b.end[k] - b.mark[k];
  const sum = (k: keyof BotMark) => live.reduce((n, b) => n + delta(b, k), 0);
  const checked = sum('checked');
  const mispredicted = sum('mispredicted');
  let arenaBytes = 0;
  let viewBytes = 0;
  arenas.forEach((a, k) => {
    const s = a.stats();
    arenaBytes += s.topByte - a.base - s.freeBytes - (arenaBase[k] ?? 0);
    for (const r of s.regions) if (r.name.includes('-interest-')) viewBytes += r.bytes;
  });
  const count = (f: (b: Bot) => string) => {
    const out: Record<string, number> = {};
    for (const b of bots) out[f(b)] = (out[f(b)] ?? 0) + 1;
    return out;
  };
  const archetypes = count((b) => b.archetype);
  const ordered: Record<string, number> = {};
  for (const a of PLAYER_ARCHETYPES) if (archetypes[a]) ordered[a] = archetypes[a]!;
  const cpuS = (cpu.user + cpu.system) / 1e6;
  // Memory per bot that joined (each holds its whole client state until it closes, kicked or
  // not); CPU per bot connected, on average over the window.
  const joined = Math.max(1, bots.filter((b) => b.joinedAt >= 0).length);
  const meanConnected = Math.max(1, connectedSum / Math.max(1, connectedSamples));
  const rttSamples = live.map((b) => b.client!.net.net.connection.rttMs);
  const inSamples = live.map((b) => delta(b, 'bytesIn') / windowS);
  const report: WorldBotsReport = {
    mode: 'world',
    samples: { rtt_ms: rttSamples.map((x) => round(x)), bytes_in_per_s: inSamples.map((x) => round(x)) },
    clients: o.clients,
    connected: live.length,
    players: live.filter((b) => b.client!.running).length,
    watchers: o.watch ? live.filter((b) => b.joinedAt >= 0).length : 0,
    server_players: serverPlayers,
    seconds: round(windowS, 1),
    ramp_s: round(rampS, 1),
    profile: profileName,
    profiles: o.profile ? count((b) => b.profile!.name) : {},
    archetypes: ordered,
    rtt_ms: spread(rttSamples),
    bytes_in_per_s: spread(inSamples),
    bytes_out_per_s: spread(live.map((b) => delta(b, 'bytesOut') / windowS)),
    interest_bytes_per_s: spread(live.map((b) => delta(b, 'interest') / windowS)),
    corrections_pct: checked ? round((100 * mispredicted) / checked, 3) : 0,
    checked,
    mispredicted,
    corrections: { snap: sum('snap'), smooth: sum('smooth'), blend: sum('blend'), teleport: sum('teleport') },
    input_ack_ms: { p50: acks.quantile(0.5), p99: acks.quantile(0.99), samples: acks.samples },
    snapshots: live.reduce((n, b) => n + b.client!.interest.snapshots, 0),
    rejected_snapshots: live.reduce((n, b) => n + b.client!.interest.rejected, 0),
    interrupts: bots.reduce((n, b) => n + b.interrupts, 0),
    reconnects: live.reduce((n, b) => n + b.client!.net.reconnects, 0),
    link: linkTotals(bots),
    shots: shotTotals(bots),
    memory: {
      rss_bytes: mem.rss,
      rss_baseline_bytes: rssBaseline,
      bots_joined: joined,
      rss_per_bot_bytes: Math.round((mem.rss - rssBaseline) / joined),
      heap_used_per_bot_bytes: Math.round((mem.heapUsed - heapBaseline) / joined),
      arena_bytes_per_bot: Math.round(arenaBytes / joined),
      snapshot_view_bytes_per_bot: Math.round(viewBytes / joined),
      link_pool_bytes: scheduler.poolBytes,
    },
    cpu: { process_cpu_s: round(cpuS, 2), mean_connected: round(meanConnected, 1), cpu_us_per_bot_per_s: Math.round((cpuS * 1e6) / meanConnected / windowS), cores: round(cpuS / windowS, 2) },
    event_loop_delay_ms: { p50: round(loopDelay.p50), p99: round(loopDelay.p99), max: round(loopDelay.max) },
    failures: failedBots.length,
    failure_reasons: reasons,
    failed_bots: failedBots.slice(0, 20).map((b) => ({ bot: b.index, reason: b.failed! })),
  };

  // ---- leave --------------------------------------------------------------------------------
  for (const b of bots) b.client?.close();
  const leaveBy = performance.now() + 2500;
  while (scheduler.pending > 0 && performance.now() < leaveBy) await sleep(20);
  await sleep(100);
  scheduler.clear();
  return { report, ok: failedBots.length === 0 };
}
