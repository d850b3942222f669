// Each snapshot says how far its player's view reached (DeclaredGameModule.viewScale: less than
// the full radius where a crowd narrowed it), so a client draws its view's edge where it was:
// over UDP and WebSocket, a player the module narrows reads its share, one it says nothing of
// reads its whole view.

import { describe, expect, it } from 'vitest';
import { serveTag } from '../helpers/tag-game.js';
import { waiter } from '../helpers/until.js';
import type { DecodedGameSnapshot } from '../../src/codec/game-replica.js';

const tag = serveTag();
const until = waiter(10_000, 20);

describe('the view scale in each snapshot', () => {
  it('reaches each player as the module says it, in 255ths; not said is whole', async () => {
    const seen = new Map<string, number>();
    const note = (who: string) => ({ snapshot: (d: DecodedGameSnapshot) => void seen.set(who, d.viewScale) });
    const udp = await tag.join('udp', note('udp'));
    const ws = await tag.join('websocket', note('ws'));
    const plain = await tag.join('udp', note('plain'));
    const narrowed = new Map([[udp.avatarId, 0.4], [ws.avatarId, 0.75]]);
    tag.module.viewScale = (avatar) => narrowed.get(avatar) ?? 0;
    try {
      await until('the scales to arrive', () => Math.abs((seen.get('udp') ?? 1) - 0.4) < 0.01 && Math.abs((seen.get('ws') ?? 1) - 0.75) < 0.01);
      expect(seen.get('udp')).toBe(Math.round(0.4 * 255) / 255);
      expect(seen.get('ws')).toBe(Math.round(0.75 * 255) / 255);
      expect(seen.get('plain')).toBe(1);
      expect(plain.stats.snapshots).toBeGreaterThan(0);
    } finally {
      delete tag.module.viewScale;
    }
  });
});
