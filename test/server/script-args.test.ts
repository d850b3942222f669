// ScriptArgs and botScriptArgs: a game's scripts read their flags by name, and a value that is
// not what a flag takes ends the script with one line (here: a thrown line, to look at).

import { describe, expect, it } from 'vitest';
import { botScriptArgs, ScriptArgs } from '../../src/server/script-args.js';

const failing = (argv: string[]) => new ScriptArgs(argv, (line) => {
  throw new Error(line);
});

describe('ScriptArgs', () => {
  it('reads switches, values and numbers, with fallbacks for what is absent', () => {
    const args = failing(['--websocket', '--host', '0.0.0.0', '--http-port', '9000', '--ratio', '0.5']);
    expect(args.has('websocket')).toBe(true);
    expect(args.has('udp')).toBe(false);
    expect(args.text('host')).toBe('0.0.0.0');
    expect(args.text('save')).toBeUndefined();
    expect(args.number('http-port', 8080, { integer: true, min: 0, max: 65535 })).toBe(9000);
    expect(args.number('udp-port', 7777)).toBe(7777);
    expect(args.number('ratio', 1)).toBe(0.5);
  });

  it('refuses a flag it does not take, naming it and the flags it takes; values are not flags', () => {
    expect(() => failing(['--port', '9000']).allow(['http-port', 'udp-port'])).toThrow('unknown flag --port: this script takes --http-port, --udp-port');
    expect(() => failing(['--http-port', '9000', '--verbose', '--colour']).allow(['http-port'])).toThrow('unknown flags --verbose, --colour: this script takes --http-port');
    expect(() => failing(['--http-port', '9000', '--host', '-1']).allow(['http-port', 'host'])).not.toThrow();
    // botScriptArgs takes its five and what the script adds.
    expect(() => botScriptArgs(failing(['--players', '3', '--mode', 'arena']))).toThrow(/unknown flag --mode/);
    expect(botScriptArgs(failing(['--players', '3', '--mode', 'arena']), { flags: ['mode'] }).players).toBe(3);
  });

  it('ends on a value that is missing, not a number, not an integer or out of range, saying which flag', () => {
    expect(() => failing(['--host']).text('host')).toThrow('--host needs a value');
    expect(() => failing(['--host', '--websocket']).text('host')).toThrow('--host needs a value');
    expect(() => failing(['--http-port', 'abc']).number('http-port', 1)).toThrow('--http-port needs a number, got "abc"');
    expect(() => failing(['--http-port', '']).number('http-port', 1)).toThrow(/needs a number/);
    expect(() => failing(['--players', '2.5']).number('players', 1, { integer: true })).toThrow('--players needs an integer, got "2.5"');
    expect(() => failing(['--http-port', '70000']).number('http-port', 1, { integer: true, min: 0, max: 65535 })).toThrow('--http-port needs an integer in [0, 65535], got "70000"');
  });

  it('botScriptArgs: players, seconds, processes (at most players), url and transport', () => {
    expect(botScriptArgs(failing([]))).toEqual({ players: 20, seconds: 60, processes: 1, url: 'http://127.0.0.1:8080', transport: 'udp' });
    expect(botScriptArgs(failing(['--players', '8', '--processes', '4', '--websocket', '--url', 'http://127.0.0.1:9']), { seconds: 30 })).toEqual({ players: 8, seconds: 30, processes: 4, url: 'http://127.0.0.1:9', transport: 'websocket' });
    expect(() => botScriptArgs(failing(['--players', '3', '--processes', '4']))).toThrow('--processes needs an integer in [1, 3], got "4"');
    expect(() => botScriptArgs(failing(['--players', '0']))).toThrow(/--players needs an integer in \[1, 5000\]/);
    expect(() => botScriptArgs(failing(['--seconds', '-1']))).toThrow(/--seconds/);
  });
});
