// The world bots' report: its figures (WorldBotsReport, JSON for `npm run load` to merge), the
// spreads they are summarised by, and the text `npm run demo:bots` prints (formatWorldReport).

export interface Spread {
  p50: number;
  p99: number;
  mean: number;
}

export interface WorldBotsReport {
  mode: 'world';
  clients: number;
  connected: number;
  players: number;
  watchers: number;
  server_players: number | null;
  seconds: number;
  ramp_s: number;
  profile: string;
  profiles: Record<string, number>;
  archetypes: Record<string, number>;
  rtt_ms: Spread;
  bytes_in_per_s: Spread;
  bytes_out_per_s: Spread;
  interest_bytes_per_s: Spread;
  corrections_pct: number;
  checked: number;
  mispredicted: number;
  corrections: { snap: number; smooth: number; blend: number; teleport: number };
  input_ack_ms: { p50: number; p99: number; samples: number };
  snapshots: number;
  rejected_snapshots: number;
  interrupts: number;
  reconnects: number;
  link: { sent_up: number; lost_up: number; sent_down: number; lost_down: number; overflow: number };
  shots: { total: number; hitscan: number; projectiles: number };
  memory: {
    /** Bots the per-bot figures divide by: those that joined. */
    bots_joined: number;
    rss_bytes: number;
    rss_baseline_bytes: number;
    rss_per_bot_bytes: number;
    heap_used_per_bot_bytes: number;
    arena_bytes_per_bot: number;
    snapshot_view_bytes_per_bot: number;
    link_pool_bytes: number;
  };
  cpu: { process_cpu_s: number; mean_connected: number; cpu_us_per_bot_per_s: number; cores: number };
  /** The bots' own event loop delay over the window, ms (a bot process that falls behind skews every figure). */
  event_loop_delay_ms: { p50: number; p99: number; max: number };
  failures: number;
  failure_reasons: Record<string, number>;
  failed_bots: { bot: number; reason: string }[];
  /** Per connected bot, for a tool that merges several bot processes' reports (npm run load). */
  samples: { rtt_ms: number[]; bytes_in_per_s: number[] };
}

export function spread(values: number[]): Spread {
  if (values.length === 0) return { p50: 0, p99: 0, mean: 0 };
  const v = [...values].sort((a, b) => a - b);
  const at = (q: number) => v[Math.min(v.length - 1, Math.floor(q * v.length))]!;
  return { p50: round(at(0.5)), p99: round(at(0.99)), mean: round(v.reduce((a, b) => a + b, 0) / v.length) };
}

export function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

/** The report as text (the lines `npm run demo:bots` prints at the end). */
export function formatWorldReport(r: WorldBotsReport): string {
  const sp = (s: Spread, unit: string, f = (x: number) => x.toFixed(1)) => `p50 ${f(s.p50)}${unit} p99 ${f(s.p99)}${unit} (mean ${f(s.mean)}${unit})`;
  const lines = [
    `  ${r.watchers > 0 ? `watchers ${r.watchers}, ` : ''}players ${r.players}/${r.clients} (server says ${r.server_players ?? '?'}), connected at the end ${r.connected}; ${r.seconds} s measured after a ${r.ramp_s} s ramp (figures over the bots connected at the end)`,
    `  network ${r.profile}${Object.keys(r.profiles).length ? ` (${Object.entries(r.profiles).map(([k, v]) => `${k} ${v}`).join(', ')})` : ''}; archetypes ${Object.entries(r.archetypes).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `  rtt ${sp(r.rtt_ms, ' ms')}`,
    `  bytes/s per client in ${sp(r.bytes_in_per_s, ' KB', (x) => (x / 1024).toFixed(2))}, out ${sp(r.bytes_out_per_s, ' KB', (x) => (x / 1024).toFixed(2))}`,
    `  corrections ${r.corrections_pct.toFixed(3)} % (${r.mispredicted} of ${r.checked} inputs checked); by class snap ${r.corrections.snap}, smooth ${r.corrections.smooth}, blend ${r.corrections.blend}, teleport ${r.corrections.teleport}`,
    `  input-to-ack latency p50 ${r.input_ack_ms.p50} ms p99 ${r.input_ack_ms.p99} ms; snapshots ${r.snapshots}, rejected ${r.rejected_snapshots}; interrupts ${r.interrupts}, reconnects ${r.reconnects}`,
    `  link: up ${r.link.lost_up}/${r.link.sent_up} lost, down ${r.link.lost_down}/${r.link.sent_down} lost, overflow ${r.link.overflow}; shots ${r.shots.total} (${r.shots.hitscan} hitscan at a body in view, ${r.shots.projectiles} projectiles)`,
    `  memory per bot (of ${r.memory.bots_joined} joined): rss ${kb(r.memory.rss_per_bot_bytes)} (process ${(r.memory.rss_bytes / 2 ** 20).toFixed(0)} MB, ${(r.memory.rss_baseline_bytes / 2 ** 20).toFixed(0)} MB before the bots), ` +
      `js heap ${kb(r.memory.heap_used_per_bot_bytes)}, arena ${kb(r.memory.arena_bytes_per_bot)} (snapshot view ${kb(r.memory.snapshot_view_bytes_per_bot)})`,
    `  cpu per bot (${r.cpu.mean_connected} connected on average): ${r.cpu.cpu_us_per_bot_per_s} us/s (${((r.cpu.cpu_us_per_bot_per_s / 1e6) * 100).toFixed(3)} % of a core; the process used ${r.cpu.cores} cores); event loop delay p50 ${r.event_loop_delay_ms.p50} ms p99 ${r.event_loop_delay_ms.p99} ms`,
  ];
  if (r.failures > 0) {
    lines.push(`  failures ${r.failures}: ${Object.entries(r.failure_reasons).map(([k, v]) => `${v} ${k}`).join('; ')}`);
    for (const f of r.failed_bots) lines.push(`    bot ${f.bot}: ${f.reason}`);
  }
  return lines.join('\n');
}
