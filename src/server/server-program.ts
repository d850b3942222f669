// What a game's server program does with the errors a person can cause by how they start it: a
// port already taken, a save that cannot be restored, a save directory that does not exist, a
// setting out of range. Each ends the program with one line that names the flag to change (exit
// 1, or 2 for a bad setting) rather than a stack trace; anything else is a bug and is thrown.
//
//   const server = await startOrExit(() => DeclaredServer.start({ ... }), { save: saveFile });

import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError, PortInUseError } from '../core/errors.js';
import { SaveError } from '../persist/errors.js';

export interface ProgramIo {
  readonly err: (line: string) => void;
  readonly exit: (code: number) => never;
}

const PROCESS: ProgramIo = {
  err: (line) => console.error(line),
  exit: (code) => process.exit(code),
};

/** Starts the server, or ends the program with one line on a mistake in how it was started. */
export async function startOrExit<T>(start: () => Promise<T>, flags: { readonly save?: string } = {}, io: ProgramIo = PROCESS): Promise<T> {
  if (flags.save !== undefined) {
    const dir = dirname(resolve(flags.save));
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      io.err(`--save ${flags.save}: the directory ${dir} does not exist`);
      return io.exit(1);
    }
  }
  try {
    return await start();
  } catch (err) {
    if (err instanceof PortInUseError) {
      io.err(`${err.message}: stop what holds it, or choose another with ${err.protocol === 'tcp' ? '--http-port' : '--udp-port'}`);
      return io.exit(1);
    }
    if (err instanceof SaveError) {
      io.err(`--save ${flags.save ?? ''}: cannot restore the world: ${err.message}`);
      return io.exit(1);
    }
    if (err instanceof ConfigError) {
      io.err(`${err.message} (the server's setting ${err.option})`);
      return io.exit(2);
    }
    throw err;
  }
}
