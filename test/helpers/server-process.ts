// Starts the arena shooter's server (what `npm start` runs) as a child process on free loopback
// ports, as a user would, and returns its URLs once it has printed them.

import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ServerProcess {
  child: ChildProcess;
  httpUrl: string;
  stdout: () => string;
  stderr: () => string;
  /** Sends SIGTERM (unless the process already exited) and resolves with the exit code. */
  stop(): Promise<number | null>;
  /** Resolves with the exit code once the process ends by itself. */
  exited: Promise<number | null>;
}

/** The arena shooter's server program; ARENA_SHOOTER_ARGS first, then `extraArgs`. */
export const ARENA_SHOOTER_ARGS: readonly string[] = ['--import', 'tsx', 'examples/arena-shooter/server.ts', '--host', '127.0.0.1', '--http-port', '0', '--udp-port', '0'];

export async function startServerProcess(extraArgs: string[] = [], timeoutMs = 60_000): Promise<ServerProcess> {
  return startProcess([...ARENA_SHOOTER_ARGS, ...extraArgs], /page\s+(http:\/\/\S+)/, timeoutMs);
}

/** Starts `node args` in the repository and resolves once its output matched `address` (group 1: the HTTP URL). */
export async function startProcess(args: string[], address: RegExp, timeoutMs = 20_000): Promise<ServerProcess> {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const httpUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in ${timeoutMs} ms:\n${out}\n${err}`)), timeoutMs);
    const poll = setInterval(() => {
      const match = address.exec(out);
      if (match) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve(match[1]!);
      }
    }, 20);
    child.once('exit', (code) => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${out}\n${err}`));
    });
  });
  return {
    child,
    httpUrl,
    stdout: () => out,
    stderr: () => err,
    exited,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
