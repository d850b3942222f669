// Player numbers of the play session: lowest free number first, none reused before the frame
// that freed it was simulated, and a first-come, first-served line for the rest.

import { describe, expect, it } from 'vitest';
import { Seats } from '../../src/server/seats.js';
import { InvalidArgumentError, StateError } from '../../src/core/errors.js';

describe('Seats', () => {
  it('hands out the lowest free number until the session is full', () => {
    const seats = new Seats<string>(3);
    expect(['a', 'b', 'c', 'd'].map((who) => seats.take(who, 10))).toEqual([0, 1, 2, -1]);
    expect(seats.count).toBe(3);
    expect(seats.holder(1)).toBe('b');
  });

  it('reuses a freed number only once the frame that freed it has been simulated', () => {
    const seats = new Seats<string>(2);
    seats.take('a', 0);
    seats.take('b', 0);
    seats.release(0, 50); // the avatar leaves in the step of frame 50
    expect(seats.take('c', 50)).toBe(-1);
    expect(seats.take('c', 51)).toBe(0);
  });

  it('seats the longest-waiting first, and forgets whoever leaves the line', () => {
    const seats = new Seats<string>(1);
    seats.take('a', 0);
    seats.wait('x');
    seats.wait('y');
    seats.wait('x'); // already waiting: keeps its place
    seats.wait('z');
    seats.leaveQueue('y');
    expect(seats.waiting).toBe(2);
    expect(seats.nextToSeat(5)).toBeUndefined(); // nothing free yet
    seats.release(0, 5);
    expect(seats.nextToSeat(6)).toBe('x');
    expect(seats.take('x', 6)).toBe(0);
    expect(seats.waiting).toBe(1);
    expect(seats.nextToSeat(7)).toBeUndefined();
  });

  it('refuses to free a number nobody holds, and a session of no seats', () => {
    const seats = new Seats<string>(2);
    expect(() => seats.release(1, 0)).toThrow(StateError);
    expect(() => new Seats<string>(0)).toThrow(InvalidArgumentError);
  });
});
