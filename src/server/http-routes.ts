// HTTP routes of the demo server: the web page (with the cross-origin isolation headers that
// let it use shared WebAssembly memory), /healthz as JSON, /metrics for Prometheus and /players
// (who plays, where, with how many hit points: the authoritative state, as JSON).

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { StaticFile } from './static-files.js';

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
      send(res, 200, 'application/json', JSON.stringify(ctx.health()) + '\n', head);
      return;
    }
    if (path === '/game.json' && ctx.game) {
      send(res, 200, 'application/json', JSON.stringify(ctx.game()) + '\n', head);
      return;
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
