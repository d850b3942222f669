// The server's sessions: every Connection, connected or parked, found by the address its link
// came from (AddressTable: host and port, or the WebSocket link) and by client id, with dense
// connection ids reused after a session ends (per-client arrays stay small). Sessions are also
// counted per source IP (the host their last link came from, parked ones included) for the
// per-IP session cap.

import { AddressTable } from './address-table.js';
import type { Connection } from './connection.js';

export class SessionTable {
  /** Every session, connected or parked. */
  readonly list: Connection[] = [];
  private readonly byAddress = new AddressTable<Connection>();
  private readonly byClientId = new Map<number, Connection>();
  private readonly freeIds: number[] = [];
  private nextId = 0;
  /** Sessions per host (each session's own in Connection.countedHost). */
  private readonly perHost = new Map<string, number>();

  get size(): number {
    return this.list.length;
  }

  get connectedCount(): number {
    let n = 0;
    for (const c of this.list) if (c.state === 'connected') n++;
    return n;
  }

  /** The connection bound to this address or link. */
  at(host: string, port: number, link: object | null): Connection | undefined {
    return this.byAddress.get(host, port, link);
  }

  ofClient(clientId: number): Connection | undefined {
    return this.byClientId.get(clientId);
  }

  /** Sessions (connected or parked) whose last link came from `host`. */
  countAt(host: string): number {
    return this.perHost.get(host) ?? 0;
  }

  private count(host: string, delta: number): void {
    const n = (this.perHost.get(host) ?? 0) + delta;
    if (n > 0) this.perHost.set(host, n);
    else this.perHost.delete(host);
  }

  /** An id for a new connection: the lowest freed one first. */
  takeId(): number {
    return this.freeIds.length > 0 ? this.freeIds.pop()! : this.nextId++;
  }

  add(conn: Connection): void {
    this.byClientId.set(conn.clientId, conn);
    this.list.push(conn);
  }

  /** Records that `conn`'s current link is at this address (Connection.bindLink was called). */
  bindAddress(conn: Connection): void {
    this.byAddress.set(conn.host, conn.port, conn.link, conn);
    if (conn.countedHost === conn.host) return;
    if (conn.countedHost !== '') this.count(conn.countedHost, -1);
    this.count(conn.host, 1);
    conn.countedHost = conn.host;
  }

  unbindAddress(conn: Connection): void {
    this.byAddress.delete(conn.host, conn.port, conn.link);
  }

  /** Forgets a session that ended; its id is free again. */
  remove(conn: Connection): void {
    this.byClientId.delete(conn.clientId);
    if (conn.countedHost !== '') {
      this.count(conn.countedHost, -1);
      conn.countedHost = '';
    }
    const i = this.list.indexOf(conn);
    if (i >= 0) {
      this.list[i] = this.list[this.list.length - 1]!;
      this.list.pop();
    }
    this.freeIds.push(conn.id);
  }

  clearAddresses(): void {
    this.byAddress.clear();
  }
}
