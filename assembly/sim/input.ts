// The per-player input record the reference step reads: one record per player number, packed
// back to back, `playerCount` of them per frame (TypeScript mirror: src/codec/rollback-spec.ts).
//
// | off | type | field                                                                     |
// |-----|------|---------------------------------------------------------------------------|
// |   0 | i8   | move x, -127..127 (127 = full speed east); -128 reads as -127             |
// |   1 | i8   | move y, -127..127 (north); the vector is clamped to length 127            |
// |   2 | u8   | buttons: FIRE 1, SHOOT 2, PRESENT 128 (set by the session, never a client)  |
// |   3 | u8   | reserved, 0                                                               |
// |   4 | u16  | aim, binary angle (65536 = one turn, 0 = +x, counter-clockwise)           |
// |   6 | u16  | view delay of a SHOOT claim, 1/256 frames behind this input's frame       |
// |   8 | u32  | SHOOT verdict: entity id the lag compensator says was hit, or NO_TARGET   |
//
// A player whose record lacks PRESENT has no avatar: the step frees it (leave) or, when PRESENT
// appears, spawns one (join), so who is in the game is itself part of the deterministic input.

export const INPUT_BYTES: usize = 12;
export const IN_MOVE_X: usize = 0;
export const IN_MOVE_Y: usize = 1;
export const IN_BUTTONS: usize = 2;
export const IN_AIM: usize = 4;
export const IN_VIEW_DELAY: usize = 6;
export const IN_TARGET: usize = 8;

export const BUTTON_FIRE: u32 = 1; // fire a projectile along the aim
export const BUTTON_SHOOT: u32 = 2; // hitscan shot, resolved by lag compensation
export const BUTTON_PRESENT: u32 = 128; // the player is in the game this frame

export const NO_TARGET: u32 = 0xFFFFFFFF;
export const MOVE_MAX: i32 = 127;
