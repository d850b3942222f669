// HTTP routes of a game's server: the web page (with the cross-origin isolation headers that
// let it use shared WebAssembly memory), /healthz as JSON, /metrics for Prometheus and /players
// (who plays, where, with how many hit points: the authoritative state, as JSON).
//
// Exposure: /players, /metrics and the detailed /healthz are for operators. Without an admin
// token they answer loopback callers only (403 for others); with one (--admin-token) they answer
// `Authorization: Bearer <token>` from any address, loopback included (401 without it: behind
// a reverse proxy on the same machine every request comes from loopback). Behind proxies the
// caller is the address X-Forwarded-For names (--trust-proxy, src/net/client-address.ts); with
// no proxy trusted, a loopback request carrying forwarding headers is a proxy passing on someone
// else's request and is refused. /healthz answers everyone, with {"status": ...} alone for
// those who are not admitted.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { StaticFile } from './static-files.js';
import { clientAddressOf, isForwarded, type TrustedProxies } from '../net/client-address.js';

/** COOP + COEP make the page crossOriginIsolated, which SharedArrayBuffer requires. */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
} as const;

export interface RouteContext {
  staticFiles: Map<string, StaticFile>;
  registry: Registry;
  health(): Record<string, unknown>;
  /** GET /players: the players' seats and avatars. */
  players?(): unknown;
  /** GET /game.json: the mode and what a page needs before connecting. */
  game?(): unknown;
  /** POST /connect: issues a connect token (the network layer's handshake starts with it). */
  connect?(req: IncomingMessage, res: ServerResponse): void;
  /** Bearer token for the operator routes from any address ('' or absent: loopback only). */
  adminToken?: string;
  /** Reverse proxies whose X-Forwarded-For names the caller (none: the socket's peer is). */
  trustedProxies?: TrustedProxies;
}

/** 127.0.0.0/8, ::1 and IPv4-mapped loopback. */
export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4.startsWith('127.') || address === '::1';
}

const sha256 = (s: string) => createHash('sha256').update(s).digest();

/** 'ok' if the request may see operator routes, else the status to refuse with. */
function admission(req: IncomingMessage, adminToken: string | undefined, trusted: TrustedProxies | undefined): 'ok' | 401 | 403 {
  if (!adminToken) {
    if ((trusted === undefined || trusted.empty) && isForwarded(req)) return 403;
    return isLoopback(clientAddressOf(req, trusted)) ? 'ok' : 403;
  }
  const header = req.headers.authorization ?? '';
  const presented = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
  // Compared as digests in constant time: the comparison leaks neither length nor prefix.
  return presented !== '' && timingSafeEqual(sha256(presented), sha256(adminToken)) ? 'ok' : 401;
}

function refuse(res: ServerResponse, status: 401 | 403, head: boolean): void {
  if (status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
  const why = status === 401 ? 'needs Authorization: Bearer <admin token>' : 'answers loopback only (or configure --admin-token)';
  send(res, status, 'text/plain; charset=utf-8', `${status === 401 ? 'unauthorized' : 'forbidden'}: this route ${why}\n`, head);
}

function send(res: ServerResponse, status: number, contentType: string, body: string | Buffer, head: boolean): void {
  res.writeHead(status, {
    ...ISOLATION_HEADERS,
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(head ? undefined : body);
}

export function createRequestHandler(ctx: RouteContext): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const method = req.method ?? 'GET';
    const head = method === 'HEAD';
    if (method === 'POST' && ctx.connect) {
      let postPath = '';
      try {
        postPath = new URL(req.url ?? '/', 'http://localhost').pathname;
      } catch {
        postPath = '';
      }
      if (postPath === '/connect') {
        ctx.connect(req, res);
        return;
      }
    }
    if (method !== 'GET' && !head) {
      res.setHeader('Allow', 'GET, HEAD');
      send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n', false);
      return;
    }
    let path: string;
    try {
      path = new URL(req.url ?? '/', 'http://localhost').pathname;
    } catch {
      send(res, 400, 'text/plain; charset=utf-8', 'bad request\n', head);
      return;
    }
    if (path === '/healthz') {
      const health = ctx.health();
      const body = admission(req, ctx.adminToken, ctx.trustedProxies) === 'ok' ? health : { status: health.status };
      send(res, 200, 'application/json', JSON.stringify(body) + '\n', head);
      return;
    }
    if (path === '/game.json' && ctx.game) {
      send(res, 200, 'application/json', JSON.stringify(ctx.game()) + '\n', head);
      return;
    }
    if (path === '/players' || path === '/metrics') {
      const admitted = admission(req, ctx.adminToken, ctx.trustedProxies);
      if (admitted !== 'ok') {
        refuse(res, admitted, head);
        return;
      }
    }
    if (path === '/players' && ctx.players) {
      send(res, 200, 'application/json', JSON.stringify(ctx.players()) + '\n', head);
      return;
    }
    if (path === '/metrics') {
      ctx.registry.metrics().then(
        (text) => send(res, 200, ctx.registry.contentType, text, head),
        (err: Error) => send(res, 500, 'text/plain; charset=utf-8', `metrics failed: ${err.message}\n`, head),
      );
      return;
    }
    const file = ctx.staticFiles.get(path);
    if (!file) {
      send(res, 404, 'text/plain; charset=utf-8', 'not found\n', head);
      return;
    }
    send(res, 200, file.contentType, file.body, head);
  };
}
