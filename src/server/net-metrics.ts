// Prometheus metrics of the network layer, read from the NetServer's own counters when
// /metrics is scraped (nothing is counted through prom-client per packet): connections by
// transport, round trip and loss across connections, bytes and packets each way, every drop
// reason, handshakes and disconnects.

import { Gauge, type Registry } from 'prom-client';
import { MESSAGE_DROP_REASONS, PACKET_DROP_REASONS, SEND_DROP_REASONS } from '../net/drops.js';
import type { NetServer } from '../net/server.js';
import type { NetWorkerPool } from './net-workers.js';
import { DISCONNECT_REASON_COUNT, disconnectReasonName } from '../net/spec.js';
import { readCounter } from './metric-readers.js';


function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export function registerNetMetrics(registry: Registry, server: NetServer, cryptoName: string): void {
  new Gauge({
    name: 'chronos_net_connections',
    help: 'Connected clients by transport',
    labelNames: ['transport'],
    registers: [registry],
    collect() {
      const counts: Record<string, number> = { udp: 0, websocket: 0 };
      for (const c of server.connections) if (c.state === 'connected' && c.transport) counts[c.transport.name] = (counts[c.transport.name] ?? 0) + 1;
      for (const [transport, n] of Object.entries(counts)) this.set({ transport }, n);
    },
  });
  new Gauge({
    name: 'chronos_net_sessions_parked',
    help: 'Sessions whose link dropped, kept up to 30 s for the client to resume',
    registers: [registry],
    collect() {
      this.set(server.connections.length - server.connectionCount);
    },
  });
  const jitter = new Gauge({ name: 'chronos_net_jitter_seconds', help: 'Round-trip jitter across connections', labelNames: ['stat'], registers: [] });
  const loss = new Gauge({ name: 'chronos_net_loss_ratio', help: 'Packet loss (moving average) across connections', labelNames: ['stat'], registers: [] });
  const budget = new Gauge({ name: 'chronos_net_budget_bytes', help: 'Congestion budget per connection this tick', labelNames: ['stat'], registers: [] });
  // Registered first, so its collect (which computes every per-connection distribution once per
  // scrape) runs before the other three are read.
  new Gauge({
    name: 'chronos_net_rtt_seconds',
    help: 'Smoothed round-trip time across connections',
    labelNames: ['stat'],
    registers: [registry],
    collect() {
      const rtts: number[] = [];
      const jitters: number[] = [];
      const losses: number[] = [];
      const budgets: number[] = [];
      for (const c of server.connections) {
        if (c.state !== 'connected' || c.rtt.samples === 0) continue;
        rtts.push(c.rtt.srttMs / 1000);
        jitters.push(c.rtt.jitterMs / 1000);
        losses.push(c.rtt.loss);
        budgets.push(c.budgetBytes());
      }
      for (const list of [rtts, jitters, losses, budgets]) list.sort((a, b) => a - b);
      const mean = (l: number[]) => (l.length ? l.reduce((a, b) => a + b, 0) / l.length : 0);
      for (const [gauge, list] of [[this, rtts], [jitter, jitters], [loss, losses]] as const) {
        gauge.set({ stat: 'mean' }, mean(list));
        gauge.set({ stat: 'p50' }, quantile(list, 0.5));
        gauge.set({ stat: 'p99' }, quantile(list, 0.99));
        gauge.set({ stat: 'max' }, list.length ? list[list.length - 1]! : 0);
      }
      budget.set({ stat: 'mean' }, mean(budgets));
      budget.set({ stat: 'min' }, budgets.length ? budgets[0]! : 0);
    },
  });
  for (const g of [jitter, loss, budget]) registry.registerMetric(g);
  new Gauge({
    name: 'chronos_net_crypto_info',
    help: 'The crypto backend sealing packets (ChaCha20-Poly1305 IETF)',
    labelNames: ['backend'],
    registers: [registry],
    collect() {
      this.set({ backend: cryptoName }, 1);
    },
  });
  readCounter(registry, 'chronos_net_bytes_total', 'Bytes on the wire (UDP payload or WebSocket frame), by direction', ['direction'], () => [
    [{ direction: 'in' }, server.bytesReceived],
    [{ direction: 'out' }, server.bytesSent],
  ]);
  readCounter(registry, 'chronos_net_packets_total', 'Packets by direction', ['direction'], () => [
    [{ direction: 'in' }, server.packetsReceived],
    [{ direction: 'out' }, server.packetsSent],
  ]);
  readCounter(registry, 'chronos_net_packets_dropped_total', 'Inbound packets dropped, by the check that refused them', ['reason'], () =>
    PACKET_DROP_REASONS.map((reason, i) => [{ reason }, server.drops.packets[i]!]),
  );
  readCounter(registry, 'chronos_net_messages_dropped_total', 'Messages not sent or not delivered, by reason', ['reason'], () =>
    MESSAGE_DROP_REASONS.map((reason, i) => [{ reason }, server.drops.messages[i]!]),
  );
  readCounter(registry, 'chronos_net_sends_dropped_total', 'Outbound packets that did not leave, by reason (an address no reply can reach, a failed send, a full link)', ['reason'], () =>
    SEND_DROP_REASONS.map((reason, i) => [{ reason }, server.drops.sends[i]!]),
  );
  readCounter(registry, 'chronos_net_faults_total', 'Exceptions the network layer contained: a game handler that threw, a connection closed because its tick or flush threw', ['kind'], () => [
    [{ kind: 'handler' }, server.handlerErrors],
    [{ kind: 'connection' }, server.connectionFaults],
  ]);
  readCounter(registry, 'chronos_net_handshakes_total', 'Handshake outcomes', ['outcome'], () => [
    [{ outcome: 'challenged' }, server.challengesSent],
    [{ outcome: 'completed' }, server.handshakesCompleted],
    [{ outcome: 'denied' }, server.handshakesDenied],
  ]);
  readCounter(registry, 'chronos_net_disconnects_total', 'Links lost and sessions ended, by reason', ['reason'], () =>
    Array.from({ length: DISCONNECT_REASON_COUNT }, (_, i) => [{ reason: disconnectReasonName(i) }, server.disconnects[i]!] as [Record<string, string>, number]).filter(([, n], i) => i > 0 || n > 0),
  );
}

/**
 * The network workers on /metrics: their NetServers' counters summed (as last reported, once a
 * second), connections per worker, restarts, and client messages lost because the simulation
 * fell behind the workers' inbox.
 */
export function registerNetWorkerMetrics(registry: Registry, pool: NetWorkerPool): void {
  new Gauge({
    name: 'chronos_net_worker_connections',
    help: 'Connections owned by each network worker',
    labelNames: ['worker'],
    registers: [registry],
    collect() {
      for (const s of pool.shards) this.set({ worker: String(s.index) }, s.linkCount);
    },
  });
  readCounter(registry, 'chronos_net_worker_bytes_total', 'Bytes on the wire through the network workers, by direction', ['direction'], () => {
    const t = pool.totals();
    return [[{ direction: 'in' }, t.bytesReceived], [{ direction: 'out' }, t.bytesSent]];
  });
  readCounter(registry, 'chronos_net_worker_packets_total', 'Packets through the network workers, by direction', ['direction'], () => {
    const t = pool.totals();
    return [[{ direction: 'in' }, t.packetsReceived], [{ direction: 'out' }, t.packetsSent]];
  });
  readCounter(registry, 'chronos_net_worker_packets_dropped_total', 'Inbound packets the network workers dropped, by reason', ['reason'], () =>
    Object.entries(pool.totals().packetDrops).map(([reason, n]): [Record<string, string>, number] => [{ reason }, n]),
  );
  readCounter(registry, 'chronos_net_worker_inbox_dropped_total', 'Client messages lost because the simulation fell behind a worker', [], () => [[{}, pool.totals().inboxDropped]]);
  readCounter(registry, 'chronos_net_worker_restarts_total', 'Network workers that died and were started again', [], () => [[{}, pool.restarts]]);
}
