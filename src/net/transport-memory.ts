// An in-memory datagram network with simulated time: endpoints bind (host, port) pairs, every
// packet crosses a LinkSimulator for its direction, and `advance` moves the clock and delivers
// what is due, in time order (ties in send order). Nothing is delivered during `send`, so an
// endpoint never re-enters itself. Tests and benchmarks drive both ends of a connection over it
// deterministically: same seed, same result.

import { StateError } from '../core/errors.js';
import { LinkSimulator, PROFILES, type NetworkProfile } from './simulator.js';
import type { PacketReceiver, Transport } from './transport.js';

interface InFlight {
  atMs: number;
  order: number;
  bytes: Uint8Array;
  fromHost: string;
  fromPort: number;
  to: MemoryTransport;
}

export class MemoryNetwork {
  nowMs = 0;
  private readonly endpoints = new Map<string, MemoryTransport>();
  private readonly links = new Map<string, LinkSimulator>();
  private readonly queue: InFlight[] = [];
  private order = 0;
  private defaultProfile: NetworkProfile;
  private readonly seed: number;
  private readonly fates: number[] = [0, 0];
  /** Packets sent to an address nobody is bound to. */
  unroutable = 0;

  constructor(options: { seed?: number; profile?: NetworkProfile } = {}) {
    this.seed = options.seed ?? 1;
    this.defaultProfile = options.profile ?? PROFILES.lan;
  }

  /** Binds a transport at host:port (port 0 picks a free one). */
  bind(host: string, port = 0): MemoryTransport {
    let p = port;
    if (p === 0) {
      p = 49152;
      while (this.endpoints.has(`${host}:${p}`)) p++;
    }
    const key = `${host}:${p}`;
    if (this.endpoints.has(key)) throw new StateError(`memory address ${key} is already bound`);
    const t = new MemoryTransport(this, host, p);
    this.endpoints.set(key, t);
    return t;
  }

  unbind(t: MemoryTransport): void {
    this.endpoints.delete(`${t.host}:${t.port}`);
  }

  /** Sets the profile of every link, existing and future (both directions). */
  setProfile(profile: NetworkProfile): void {
    this.defaultProfile = profile;
    for (const link of this.links.values()) link.profile = profile;
  }

  /** Sets the profile of one direction (from host -> to host). */
  setLinkProfile(fromHost: string, toHost: string, profile: NetworkProfile): void {
    this.link(fromHost, toHost).profile = profile;
  }

  link(fromHost: string, toHost: string): LinkSimulator {
    const key = `${fromHost}>${toHost}`;
    let link = this.links.get(key);
    if (!link) {
      let h = this.seed >>> 0;
      for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
      link = new LinkSimulator(this.defaultProfile, h);
      this.links.set(key, link);
    }
    return link;
  }

  transmit(from: MemoryTransport, bytes: Uint8Array, toHost: string, toPort: number): void {
    const to = this.endpoints.get(`${toHost}:${toPort}`);
    const n = this.link(from.host, toHost).fate(this.nowMs, bytes.length, this.fates);
    if (!to) {
      this.unroutable++;
      return;
    }
    for (let i = 0; i < n; i++) this.insert({ atMs: this.fates[i]!, order: this.order++, bytes: bytes.slice(), fromHost: from.host, fromPort: from.port, to });
  }

  private insert(p: InFlight): void {
    const q = this.queue;
    let lo = 0;
    let hi = q.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const m = q[mid]!;
      if (m.atMs < p.atMs || (m.atMs === p.atMs && m.order < p.order)) lo = mid + 1;
      else hi = mid;
    }
    q.splice(lo, 0, p);
  }

  /** Delivers everything due at or before `nowMs + ms` and sets the clock there. */
  advance(ms: number): void {
    const until = this.nowMs + ms;
    while (this.queue.length > 0 && this.queue[0]!.atMs <= until) {
      const p = this.queue.shift()!;
      if (p.atMs > this.nowMs) this.nowMs = p.atMs;
      p.to.deliver(p.bytes, p.fromHost, p.fromPort);
    }
    this.nowMs = until;
  }

  /** Packets still travelling. */
  get inFlight(): number {
    return this.queue.length;
  }
}

export class MemoryTransport implements Transport {
  readonly name = 'memory' as const;
  private receiver: PacketReceiver | undefined;
  closed = false;

  constructor(
    readonly network: MemoryNetwork,
    readonly host: string,
    readonly port: number,
  ) {}

  attach(receiver: PacketReceiver): void {
    this.receiver = receiver;
  }

  send(bytes: Uint8Array, host: string, port: number): void {
    if (this.closed) return;
    this.network.transmit(this, bytes, host, port);
  }

  deliver(bytes: Uint8Array, fromHost: string, fromPort: number): void {
    if (!this.closed) this.receiver?.receive(this, bytes, fromHost, fromPort, null);
  }

  closeLink(): void {}

  linkBound(): void {}

  async close(): Promise<void> {
    this.closed = true;
    this.network.unbind(this);
  }
}
