// A declared game's events, emitted by its own AssemblyScript rules: a kill, an explosion, a
// pickup, at a place, for those within a range of it. Not part of chronos.wasm: `chronos build`
// compiles it into a game's module beside assembly/game/store.ts.
//
// The rules write events into a fixed buffer in the module's static data, outside the store:
// an event is what the rules say happened, not state, so it is never in a snapshot, a hash or a
// save, and rolling back and playing a frame again cannot change the world through it. The
// TypeScript side (src/rollback/wasm-game.ts) takes them after each step and the server sends
// them (DeclaredServer.emit: to every player in range, reliably); the rollback tools and a
// predicting client, which step frames again, discard them. A full buffer drops the event and
// counts it, as does a kind past a byte or a payload past EVENT_PAYLOAD_BYTES: emitting never
// traps and never changes what the rules compute.
//
// | word | meaning                                                            |
// |------|--------------------------------------------------------------------|
// | 0    | kind, 0 .. 255 (the game numbers its events)                       |
// | 1-3  | x, y, z: Q16.16 metres                                             |
// | 4    | range: Q16.16 metres (unsigned), EVERYONE for every player         |
// | 5    | payload bytes, 0 .. EVENT_PAYLOAD_BYTES                            |
// | 6-9  | payload: four u32 words, little-endian, its first `bytes` bytes    |

/** Events a frame (control() of every player and step()) may emit before the rest are dropped. */
export const EVENT_CAPACITY: u32 = 512;
/** The most bytes of payload an event carries (four u32 words). */
export const EVENT_PAYLOAD_BYTES: u32 = 16;
/** An event's range for every player, wherever they are. */
export const EVERYONE: u32 = 0xffffffff;
/** Words per event in the buffer (the table above). */
export const EVENT_WORDS: u32 = 10;

const buffer = memory.data(<i32>(EVENT_CAPACITY * EVENT_WORDS * 4), 16);
let count: u32 = 0;
let dropped: u32 = 0;
let refused: u32 = 0;

/**
 * Announces an event of `kind` at (x, y, z) (Q16.16 metres) to the players within `range`
 * (Q16.16 metres; EVERYONE: all of them), with up to 16 bytes of the game's own (`a` .. `d`
 * little-endian, the first `bytes` of them). One that is not kept is counted: dropped when the
 * buffer is full, refused when the kind or the payload's length is out of range. It returns
 * nothing on purpose: the server takes the events and a predicting client discards them, so
 * rules that branched on whether one was kept would step apart.
 */
export function emitEvent(kind: u32, x: i32, y: i32, z: i32, range: u32, a: u32 = 0, b: u32 = 0, c: u32 = 0, d: u32 = 0, bytes: u32 = 0): void {
  if (kind > 255 || bytes > EVENT_PAYLOAD_BYTES) {
    refused++;
    return;
  }
  if (count >= EVENT_CAPACITY) {
    dropped++;
    return;
  }
  const at = buffer + <usize>(count * EVENT_WORDS * 4);
  store<u32>(at, kind);
  store<i32>(at, x, 4);
  store<i32>(at, y, 8);
  store<i32>(at, z, 12);
  store<u32>(at, range, 16);
  store<u32>(at, bytes, 20);
  store<u32>(at, a, 24);
  store<u32>(at, b, 28);
  store<u32>(at, c, 32);
  store<u32>(at, d, 36);
  count++;
}

/** Where the buffer's first event lies (the TypeScript side reads eventCount() of them). */
export function eventsAt(): usize {
  return buffer;
}

/** Events in the buffer. */
export function eventCount(): u32 {
  return count;
}

/** Events dropped since the module was loaded: the buffer was full. */
export function eventsDropped(): u32 {
  return dropped;
}

/** Events refused since the module was loaded: a kind past 255 or a payload past 16 bytes. */
export function eventsRefused(): u32 {
  return refused;
}

/** Empties the buffer (the events were taken, or are not wanted: a frame played again). */
export function clearEvents(): void {
  count = 0;
}
