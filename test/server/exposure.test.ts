// Who may read the operator routes. /players (every player's id, transport, RTT, position, hit
// points), /metrics and the detailed /healthz used to answer anyone who could reach the port.
// Now: loopback only, or `Authorization: Bearer <--admin-token>` when one is configured (then
// from every address, loopback included); /healthz answers everyone, with its status alone.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRequestHandler, isLoopback, type RouteContext } from '../../src/server/http-routes.js';
import { DeclaredServer } from '../../src/server/declared-server.js';
import { TAG, tagModule, type Tag } from '../helpers/tag-game.js';

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Runs one GET through the route handler as if it came from `address`. */
async function get(ctx: RouteContext, path: string, address: string, authorization?: string): Promise<Answer> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = {};
    let status = 0;
    const res = {
      setHeader: (k: string, v: string) => (headers[k.toLowerCase()] = String(v)),
      writeHead: (s: number, h: Record<string, string | number>) => {
        status = s;
        for (const [k, v] of Object.entries(h)) headers[k.toLowerCase()] = String(v);
      },
      end: (body?: string | Buffer) => resolve({ status, headers, body: body === undefined ? '' : String(body) }),
    } as unknown as ServerResponse;
    const req = { method: 'GET', url: path, headers: authorization ? { authorization } : {}, socket: { remoteAddress: address } } as unknown as IncomingMessage;
    createRequestHandler(ctx)(req, res);
  });
}

const context = (adminToken?: string): RouteContext => ({
  staticFiles: new Map(),
  registry: new Registry(),
  health: () => ({ status: 'ok', tick: 42, clients: 3, players: 2 }),
  players: () => [{ player: 0, clientId: 123456, x: 1, y: 2, hp: 100 }],
  adminToken,
});

describe('without an admin token', () => {
  it('answers /players, /metrics and the detailed /healthz to loopback only', async () => {
    const ctx = context();
    for (const address of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) {
      expect((await get(ctx, '/players', address)).status).toBe(200);
      expect((await get(ctx, '/metrics', address)).status).toBe(200);
      expect(JSON.parse((await get(ctx, '/healthz', address)).body)).toMatchObject({ tick: 42, players: 2 });
    }
    for (const address of ['203.0.113.5', '10.0.0.7', '::ffff:192.168.1.2', '2001:db8::1']) {
      expect((await get(ctx, '/players', address)).status).toBe(403);
      expect((await get(ctx, '/metrics', address)).status).toBe(403);
      const health = await get(ctx, '/healthz', address);
      expect(health.status).toBe(200);
      expect(JSON.parse(health.body)).toEqual({ status: 'ok' });
    }
  });

  it('knows loopback when it sees it', () => {
    expect(['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1'].every(isLoopback)).toBe(true);
    expect(['128.0.0.1', '::ffff:10.0.0.1', '::2', '', undefined].some((a) => isLoopback(a))).toBe(false);
  });
});

describe('with an admin token', () => {
  const token = 'correct-horse-battery-staple';

  it('answers the Bearer token from any address, and no one without it, loopback included', async () => {
    const ctx = context(token);
    for (const address of ['203.0.113.5', '127.0.0.1']) {
      expect((await get(ctx, '/players', address, `Bearer ${token}`)).status).toBe(200);
      expect((await get(ctx, '/metrics', address, `Bearer ${token}`)).status).toBe(200);
      expect(JSON.parse((await get(ctx, '/healthz', address, `Bearer ${token}`)).body)).toMatchObject({ tick: 42 });
      const refused = await get(ctx, '/players', address);
      expect(refused.status).toBe(401);
      expect(refused.headers['www-authenticate']).toBe('Bearer');
      expect((await get(ctx, '/metrics', address, `Bearer ${token}x`)).status).toBe(401);
      expect((await get(ctx, '/metrics', address, `Basic ${token}`)).status).toBe(401);
      expect(JSON.parse((await get(ctx, '/healthz', address)).body)).toEqual({ status: 'ok' });
    }
  });

  describe('on a running server', () => {
    // A DeclaredServer serving the tag game (300 rocks and wisps), with a page of its own.
    let server: DeclaredServer<Tag>;
    let base: string;
    let page: string;
    beforeAll(async () => {
      page = mkdtempSync(join(tmpdir(), 'chronos-exposure-'));
      writeFileSync(join(page, 'index.html'), '<!doctype html><title>tag</title>');
      server = await DeclaredServer.start({ module: tagModule(), staticDir: page, host: '127.0.0.1', httpPort: 0, udpPort: 0, processMetrics: false, log: () => undefined, adminToken: token });
      base = `http://127.0.0.1:${server.httpPort}`;
    });
    afterAll(async () => {
      await server.stop();
      rmSync(page, { recursive: true, force: true });
    });

    it('holds the same rules over real HTTP', async () => {
      expect((await fetch(`${base}/metrics`)).status).toBe(401);
      expect((await fetch(`${base}/players`)).status).toBe(401);
      expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });
      const metrics = await fetch(`${base}/metrics`, { headers: { Authorization: `Bearer ${token}` } });
      expect(metrics.status).toBe(200);
      const text = await metrics.text();
      expect(text).toContain('chronos_net_packets_dropped_total');
      expect(text).toContain('chronos_declared_messages_dropped_total');
      const players = await fetch(`${base}/players`, { headers: { Authorization: `Bearer ${token}` } });
      expect(players.status).toBe(200);
      expect(await players.json()).toEqual([]);
      expect(await (await fetch(`${base}/healthz`, { headers: { Authorization: `Bearer ${token}` } })).json()).toMatchObject({ status: 'ok', mode: 'declared', game: 'tag-test', entities: 300, players: 0 });
      // The page, the game's description and the token endpoint stay public.
      const index = await fetch(`${base}/`);
      expect(index.status).toBe(200);
      expect(await index.text()).toContain('<title>tag</title>');
      expect(await (await fetch(`${base}/game.json`)).json()).toMatchObject({ mode: 'declared', game: 'tag-test', fingerprint: TAG.fingerprint });
      expect((await fetch(`${base}/connect`, { method: 'POST' })).status).toBe(200);
    });
  });
});
