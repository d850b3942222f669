// One --max-sessions-per-ip for the whole server when its connections are spread over network
// workers. Each worker's NetServer refuses a handshake past the cap on its own sessions, but an
// address holding sessions on several workers (and WebSocket sessions on the main thread) would
// get the cap once per NetServer. The main thread sees every worker session's address in its
// CONNECT event, so it counts them all here: a session that takes its address past the cap is
// kicked with AddressLimit before the game hears of it (it lived for at most one tick), and the
// main thread's NetServer counts the workers' sessions with its own (otherSessionsAt).

import { DisconnectReason, type SessionTier } from '../net/spec.js';
import type { ClientLink } from './client-link.js';
import type { LinkHandlers } from './net-workers.js';
import { RemoteLink } from './net-worker-shard.js';

export class WorkerAddressSessions {
  /** Worker sessions (connected + parked) per address. */
  private readonly perHost = new Map<string, number>();
  /** The address each counted link was counted under. */
  private readonly counted = new Map<RemoteLink, string>();
  /** Links kicked for the cap: nothing of theirs reaches the game. */
  private readonly refused = new Set<RemoteLink>();

  constructor(
    private readonly cap: number,
    /** Sessions the main thread's own NetServer holds for an address. */
    private readonly mainSessionsAt: (host: string) => number,
  ) {}

  /** Worker sessions `host` holds (for the main thread's NetServer). */
  countAt(host: string): number {
    return this.perHost.get(host) ?? 0;
  }

  /** The workers' handlers, with the cap applied: `kick` ends a link that takes its address past it. */
  wrap(handlers: LinkHandlers, kick: (link: RemoteLink, reason: DisconnectReason) => void): LinkHandlers {
    const passes = (link: ClientLink) => !(link instanceof RemoteLink && this.refused.has(link));
    return {
      connect: (link: ClientLink, tier: SessionTier) => {
        if (link instanceof RemoteLink && !this.admit(link)) {
          this.refused.add(link);
          kick(link, DisconnectReason.AddressLimit);
          return;
        }
        if (passes(link)) handlers.connect?.(link, tier);
      },
      interrupt: (link, reason) => {
        if (passes(link)) handlers.interrupt?.(link, reason);
      },
      disconnect: (link, reason) => {
        const wasRefused = link instanceof RemoteLink && this.refused.delete(link);
        if (link instanceof RemoteLink) this.release(link);
        if (!wasRefused) handlers.disconnect?.(link, reason);
      },
      message: (link, channel, bytes) => {
        if (passes(link)) handlers.message?.(link, channel, bytes);
      },
    };
  }

  /** Counts `link` under its (new) address; false when that takes the address past the cap. */
  private admit(link: RemoteLink): boolean {
    const before = this.counted.get(link);
    this.counted.set(link, link.host);
    if (before === link.host) return true; // resumed from where it was: already counted
    this.add(link.host, 1);
    if (before !== undefined) {
      // A session the game knows, resumed from another address: it moves, never kicked here
      // (its worker's own cap applied at the handshake).
      this.add(before, -1);
      return true;
    }
    return this.countAt(link.host) + this.mainSessionsAt(link.host) <= this.cap;
  }

  private release(link: RemoteLink): void {
    const host = this.counted.get(link);
    if (host === undefined) return;
    this.counted.delete(link);
    this.add(host, -1);
  }

  private add(host: string, delta: number): void {
    const n = (this.perHost.get(host) ?? 0) + delta;
    if (n > 0) this.perHost.set(host, n);
    else this.perHost.delete(host);
  }
}
