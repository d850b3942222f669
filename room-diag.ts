import { DeclaredRoomBots } from './src/index.js';
import { GAME, type Declaration } from './examples/arena-shooter/game.js';
import { clientRoom } from './examples/arena-shooter/room.js';
import { roomBotInput } from './examples/arena-shooter/bot.js';
const n = Number(process.argv[2] ?? 16);
const bots = await DeclaredRoomBots.start<Declaration>({ game: GAME, url: 'http://127.0.0.1:18096', players: n, room: clientRoom, think: (c, i, f) => roomBotInput(c.room, c.avatar, i, f) });
for (let t = 0; t < 10; t++) {
  await new Promise((r) => setTimeout(r, 1500));
  const phases: Record<string, number> = {};
  const drops: Record<string, number> = {};
  for (const c of bots.clients) { const s = c.stats(); phases[s.phase] = (phases[s.phase] ?? 0) + 1; for (const [k, v] of Object.entries({ ...s.drops, ...s.rollbackDrops })) if (v) drops[k] = (drops[k] ?? 0) + (v as number); }
  console.log(bots.rateLine(), JSON.stringify(phases), JSON.stringify(drops));
}
bots.close(); process.exit(0);
