// The address a request comes from, when the server may sit behind reverse proxies (a TLS
// terminator in front of /connect and /ws). Every per-address limit (connect tokens, sessions,
// pending WebSocket links) and the loopback-only operator routes key on it: behind a proxy the
// socket's peer is the proxy, so without this every browser player shares one address and one
// per-IP budget, and every request looks like loopback.
//
// The rule (the one Express's `trust proxy` and nginx's real_ip_recursive follow): start at the
// socket's peer; while the address in hand is a trusted proxy, step to the entry that proxy
// appended to X-Forwarded-For (right to left). The first untrusted address is the client. A
// client may write anything into the header it sends, but it can only ever stand left of the
// entry the first trusted proxy appended for it, so forged entries are never reached. An entry
// that is not an IP address ends the walk at the proxy that passed it on.

import { BlockList, isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';
import { InvalidArgumentError } from '../core/errors.js';

/** A proxy list names these for convenience. */
const NAMED_RANGES: Readonly<Record<string, readonly string[]>> = {
  loopback: ['127.0.0.0/8', '::1/128'],
  private: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
};

/** Which peers may speak for their clients through X-Forwarded-For. */
export class TrustedProxies {
  /** The entries as given (for logs and /healthz). */
  readonly entries: readonly string[];
  private readonly list = new BlockList();

  /**
   * `entries`: IP addresses, CIDR ranges (`10.0.0.0/8`, `fd00::/8`) and the names loopback,
   * private and linklocal. Throws InvalidArgumentError on anything else.
   */
  constructor(entries: readonly string[]) {
    this.entries = entries.map((e) => e.trim()).filter((e) => e !== '');
    for (const entry of this.entries) {
      const named = NAMED_RANGES[entry];
      for (const range of named ?? [entry]) this.add(range, entry);
    }
  }

  /** Parses a comma-separated list (the --trust-proxy flag). */
  static parse(text: string): TrustedProxies {
    return new TrustedProxies(text.split(','));
  }

  get empty(): boolean {
    return this.entries.length === 0;
  }

  private add(range: string, given: string): void {
    const slash = range.indexOf('/');
    const address = slash < 0 ? range : range.slice(0, slash);
    const family = isIP(address);
    if (family === 0) throw new InvalidArgumentError(`trusted proxy "${given}": not an IP address, CIDR range or one of ${Object.keys(NAMED_RANGES).join(', ')}`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (slash < 0) return this.list.addAddress(address, type);
    const bits = range.slice(slash + 1);
    const prefix = /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
    if (!(prefix >= 0 && prefix <= (family === 4 ? 32 : 128))) throw new InvalidArgumentError(`trusted proxy "${given}": prefix length "${bits}" out of range`);
    this.list.addSubnet(address, prefix, type);
  }

  /** Whether `address` (any textual form Node reports) is a trusted proxy. */
  trusts(address: string): boolean {
    const plain = normalizeAddress(address);
    const family = isIP(plain);
    return family !== 0 && this.list.check(plain, family === 4 ? 'ipv4' : 'ipv6');
  }
}

/** IPv4-mapped IPv6 (`::ffff:10.1.2.3`, how a dual-stack socket reports IPv4 peers) as IPv4. */
export function normalizeAddress(address: string): string {
  const lower = address.toLowerCase();
  if (lower.startsWith('::ffff:') && isIP(lower.slice(7)) === 4) return lower.slice(7);
  return lower;
}

/** The X-Forwarded-For entries of a request, in order, across repeated headers. */
function forwardedFor(req: IncomingMessage): string[] {
  const raw = req.headers['x-forwarded-for'];
  if (raw === undefined) return [];
  const joined = Array.isArray(raw) ? raw.join(',') : raw;
  // Bracketed IPv6 and a port (`[::1]:443`, `1.2.3.4:5678`) are how some proxies write it.
  return joined.split(',').map((e) => stripPort(e.trim())).filter((e) => e !== '');
}

function stripPort(entry: string): string {
  if (entry.startsWith('[')) {
    const close = entry.indexOf(']');
    return close > 0 ? entry.slice(1, close) : entry;
  }
  const colon = entry.indexOf(':');
  return colon > 0 && entry.indexOf(':', colon + 1) < 0 ? entry.slice(0, colon) : entry;
}

/** The client's address for `req` (see the rule above); the socket's peer when no proxy is trusted. */
export function clientAddressOf(req: IncomingMessage, trusted: TrustedProxies | undefined): string {
  let address = normalizeAddress(req.socket.remoteAddress ?? '');
  if (trusted === undefined || trusted.empty) return address;
  const hops = forwardedFor(req);
  for (let i = hops.length - 1; i >= 0 && trusted.trusts(address); i--) {
    const next = normalizeAddress(hops[i]!);
    if (isIP(next) === 0) break;
    address = next;
  }
  return address;
}

/** Whether the request says it was passed on by a proxy (any of the usual forwarding headers). */
export function isForwarded(req: IncomingMessage): boolean {
  const h = req.headers;
  return h['x-forwarded-for'] !== undefined || h.forwarded !== undefined || h['x-real-ip'] !== undefined;
}
