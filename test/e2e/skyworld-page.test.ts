// End to end: the Skyworld example (a game built only on the declaration API) served by
// DeclaredServer, its page in headless Chromium. The page connects over WebSocket through the
// SDK, draws what its typed view holds, moves its player with the keyboard, shows the player's
// own inventory (an owner-only field) and never holds another player's; a Node bot plays beside
// it, and zaps with the tick it shows. A screenshot goes to test-artifacts/skyworld.png.

import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { hasChromium, launchChromium } from '../helpers/chromium.js';
import { ROOT } from '../helpers/server-process.js';
import { DeclaredServer } from '../../src/server/declared-server.js';
import { DeclaredClient } from '../../src/client/declared-client.js';
import { connectUdp } from '../../src/client/udp-connector.js';
import { loadServerCrypto } from '../../src/net/crypto-node.js';
import type { DeclaredDebugApi } from '../../src/web/declared-view.js';
import { skyworldModule } from '../../examples/skyworld/module.js';
import { SKYWORLD, type SkyworldDeclaration } from '../../examples/skyworld/game.js';
import { waiter } from '../helpers/until.js';

const until = waiter(30_000, 50);

describe.skipIf(!hasChromium)('Skyworld page in headless Chromium', () => {
  let server: DeclaredServer<SkyworldDeclaration>;
  let module: ReturnType<typeof skyworldModule>;
  let browser: Browser;
  let page: Page;
  let bot: DeclaredClient<SkyworldDeclaration>;
  const errors: string[] = [];

  beforeAll(async () => {
    module = skyworldModule({ entities: 600, seed: 3 });
    server = await DeclaredServer.start({ module, host: '127.0.0.1', httpPort: 0, udpPort: 0, staticDir: join(ROOT, 'build/examples/skyworld'), log: () => {} });
    bot = await DeclaredClient.create({ game: SKYWORLD, tokenUrl: `http://127.0.0.1:${server.httpPort}/connect`, crypto: await loadServerCrypto(), transport: 'udp', udp: connectUdp });
    await bot.connect();
    bot.setInput({ moveX: 0, moveY: 0.5, jump: false, climb: false, fly: false, aim: 0, zap: false, viewTick: 0 });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1100, height: 700 } });
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`http://127.0.0.1:${server.httpPort}/`);
  }, 60_000);

  afterAll(async () => {
    bot?.close();
    await browser?.close();
    await server?.stop();
  });

  const status = () => page.evaluate(() => (window as unknown as { chronos: DeclaredDebugApi }).chronos.status());

  it('connects, draws its view and shows its own inventory', async () => {
    await until('the page to draw entities', async () => (await page.evaluate(() => (window as unknown as { chronos?: DeclaredDebugApi }).chronos?.status().drawn ?? 0)) > 10);
    const s = await status();
    expect(s.connected).toBe(true);
    expect(s.game).toBe('skyworld');
    expect(s.entities).toBeGreaterThan(10);
    expect(s.own?.type).toBe('player');
    expect(s.own?.inventory).toMatchObject({ gold: expect.any(Number), keys: expect.any(Number), potions: expect.any(Number) });
    expect(await page.locator('#panel').textContent()).toMatch(/inventory \(only you receive it\)/);
    expect(Object.values(s.drops).reduce((a, b) => a + b, 0)).toBe(0);
  });

  it('moves its player with the keyboard, predicted at once and settling on the server\'s state, and never holds another player\'s inventory', async () => {
    await until('the page to predict its player', async () => (await status()).predicted !== null);
    const me = (await status()).avatarId;
    const x0 = module.store.get(me, 'position.x') as number;
    const predicted0 = (await status()).predicted!.x;
    await page.keyboard.down('KeyD');
    await until('the prediction to walk east', async () => (await status()).predicted!.x > predicted0 + 0.5);
    await until('the player to walk east on the server', () => (module.store.get(me, 'position.x') as number) > x0 + 2);
    await page.keyboard.up('KeyD');
    // The page's prediction comes to rest where the server has the player (to the wire's 1/64 m).
    await until('the prediction to settle on the server\'s position', async () => {
      const s = await status();
      return Math.abs(s.predicted!.x - (module.store.get(me, 'position.x') as number)) <= 1 / 64 && s.own !== undefined;
    });
    const prediction = (await status()).prediction!;
    expect(prediction.off).toBeNull();
    expect(prediction.predicted).toBeGreaterThan(20);
    // Walking on flat ground is the server's walk to the bit; a pickup or a hit on the way is a correction.
    expect(prediction.lastError).toBeLessThan(1);
    const botSeen = (id: number) => page.evaluate((i) => (window as unknown as { chronos: DeclaredDebugApi }).chronos.entity(i), id);
    await until('the page to see the bot', async () => (await botSeen(bot.avatarId)) !== undefined);
    // The bot's own client holds its inventory; the page's view of the bot has its position, not its inventory.
    expect(bot.replica!.value(bot.avatarId, 'inventory.gold')).toBeDefined();
    const seen = (await botSeen(bot.avatarId))!;
    expect(seen.type).toBe('player');
    expect(seen.owned).toBe(false);
    expect(seen.position).toBeDefined();
    expect(seen.inventory).toBeUndefined();
    expect((await status()).own?.inventory).toBeDefined();
    // The zapper: E held fires along the aim; the input names the tick the page shows, so the
    // server judges the shot within its rewind bound (a missing or stale view tick would be clamped).
    const hb = module.sim.hitboxes.counters;
    const shots0 = hb.shots;
    const clamped0 = hb.clamped;
    await page.keyboard.down('KeyE');
    await until('the server to judge the page\'s zaps', () => hb.shots >= shots0 + 2);
    expect(hb.clamped).toBe(clamped0);
    const artifacts = join(ROOT, 'test-artifacts');
    if (!existsSync(artifacts)) mkdirSync(artifacts, { recursive: true });
    // With E held the page draws the zapper's line from the player along the aim.
    await page.screenshot({ path: join(artifacts, 'skyworld.png') });
    await page.keyboard.up('KeyE');
    // G: a page without the game's module runs its spatial grid on the engine's chronos.wasm beside it.
    expect((await status()).spatial).toBeNull();
    expect(await page.locator('#panel').textContent()).toMatch(/spatial grid \(G to show\)/);
    await page.keyboard.press('KeyG');
    await until('the spatial grid to index the view', async () => ((await status()).spatial?.cells ?? 0) > 0);
    const grid = (await status()).spatial!;
    expect(grid.visible).toBe(true);
    expect(grid.entities).toBeGreaterThan(0);
    await page.screenshot({ path: join(artifacts, 'skyworld-grid.png') });
    expect(errors).toEqual([]);
  });
});
