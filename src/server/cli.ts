// The `chronos` command line: `chronos init DIR` scaffolds a game, `chronos build [DIR]` compiles
// one (cli-scaffold.ts). The engine holds no game of its own, so there is nothing for it to serve:
// a game serves itself (its server.ts: `npm start` in a scaffolded game; `npm start` in a checkout
// of the engine runs the arena shooter example). Bad arguments print one clear line and exit 2.

import { ChronosError } from '../core/errors.js';
import { runScaffoldCommand, SCAFFOLD_USAGE } from './cli-scaffold.js';
import { SECURITY_USAGE } from './server-flags.js';

export const VERSION = '0.1.0';

export const USAGE = `Usage: chronos init <dir> [--link] | chronos build [<dir>] [--force] [--dev]

Chronos is a library: a game declares its entities, components and inputs, writes its rules in
its own AssemblyScript, and serves itself with DeclaredServer (one world, interest-managed) or
DeclaredRoomServer (a rollback room). This command makes and builds such a game:

${SCAFFOLD_USAGE}

  -h, --help           Show this help
  -v, --version        Show the version

A game's server program (the scaffold's server.ts, the examples') takes --host, --http-port,
--udp-port, --net-workers, --encode-workers and the flags for what stands between it and the
internet (securityFlags):

${SECURITY_USAGE}

From a checkout of the engine: npm start serves the arena shooter (examples/arena-shooter),
npm run example:skyworld the multi-level Skyworld.
`;

export class UsageError extends ChronosError {
  constructor(message: string) {
    super('E_INVALID_ARGUMENT', message);
  }
}

type Io = { out: (s: string) => void; err: (s: string) => void };

/** Runs the CLI; resolves with the process exit code. */
export async function main(argv: readonly string[], io: Io = {
  out: (s) => process.stdout.write(s + '\n'),
  err: (s) => process.stderr.write(s + '\n'),
}): Promise<number> {
  const scaffold = await runScaffoldCommand(argv, io);
  if (scaffold !== null) return scaffold;
  const [first] = argv;
  if (first === undefined || first === 'help' || first === '--help' || first === '-h') {
    io.out(USAGE);
    return 0;
  }
  if (first === '--version' || first === '-v' || first === 'version') {
    io.out(`chronos ${VERSION}`);
    return 0;
  }
  if (first === 'serve') {
    io.err('chronos: there is no built-in game to serve any more: a game serves itself. In a game made by "chronos init", run npm start; in a checkout of the engine, npm start serves the arena shooter example.');
    return 2;
  }
  io.err(`chronos: unknown command "${first}"\nRun "chronos --help" for usage.`);
  return 2;
}
