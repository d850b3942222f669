// Flags for a game's own scripts (its server, its bots): `--name value` and `--name` pairs from
// the command line, read by name. A value that is not what the flag takes ends the script with
// one line saying so (exit code 2), not a stack trace: these are for people typing commands.
//
//   const args = new ScriptArgs();
//   const port = args.number('http-port', 8080, { integer: true, min: 0, max: 65535 });
//   const save = args.text('save');           // undefined when absent
//   if (args.has('websocket')) ...
//   args.allow(['http-port', 'save', 'websocket']);   // any other --flag ends the script, named

export interface NumberRule {
  readonly integer?: boolean;
  readonly min?: number;
  readonly max?: number;
}

export class ScriptArgs {
  constructor(
    readonly argv: readonly string[] = process.argv.slice(2),
    /** Ends the script with `line` (exit code 2); a test passes one that throws. */
    readonly fail: (line: string) => never = (line) => {
      console.error(line);
      process.exit(2);
    },
  ) {}

  /**
   * Ends the script (exit code 2) naming every `--flag` given that is not in `names`, and the
   * flags it takes: a mistyped or guessed flag (`--port` for `--http-port`) is refused, not
   * silently ignored while the script goes on with its default.
   */
  allow(names: readonly string[]): void {
    const known = new Set(names);
    const unknown = this.argv.filter((a) => a.startsWith('--') && !known.has(a.slice(2)));
    if (unknown.length === 0) return;
    this.fail(`unknown flag${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}: this script takes ${[...known].sort().map((n) => `--${n}`).join(', ')}`);
  }

  /** Whether `--name` is given (a switch). */
  has(name: string): boolean {
    return this.argv.includes(`--${name}`);
  }

  /** The value after `--name`, or undefined when the flag is absent. */
  text(name: string): string | undefined {
    const i = this.argv.indexOf(`--${name}`);
    if (i < 0) return undefined;
    const v = this.argv[i + 1];
    if (v === undefined || v.startsWith('--')) this.fail(`--${name} needs a value`);
    return v;
  }

  /** The value after every `--name` given (a flag that may be repeated), in order; [] when absent. */
  texts(name: string): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.argv.length; i++) {
      if (this.argv[i] !== `--${name}`) continue;
      const v = this.argv[i + 1];
      if (v === undefined || v.startsWith('--')) this.fail(`--${name} needs a value`);
      out.push(v);
    }
    return out;
  }

  /** The number after `--name` (`fallback` when absent), held to `rule`. */
  number(name: string, fallback: number, rule: NumberRule = {}): number {
    const raw = this.text(name);
    if (raw === undefined) return fallback;
    const v = Number(raw);
    const { integer = false, min = -Infinity, max = Infinity } = rule;
    if (raw.trim() === '' || !Number.isFinite(v) || (integer && !Number.isInteger(v)) || v < min || v > max) {
      const range = min !== -Infinity || max !== Infinity ? ` in [${min}, ${max}]` : '';
      this.fail(`--${name} needs ${integer ? 'an integer' : 'a number'}${range}, got "${raw}"`);
    }
    return v;
  }
}

/** What a bots script is asked for: how many, how long, over how many processes, where and how. */
export interface BotScriptArgs {
  readonly players: number;
  readonly seconds: number;
  readonly processes: number;
  readonly url: string;
  readonly transport: 'udp' | 'websocket';
}

/** The flags botScriptArgs reads. */
export const BOT_SCRIPT_FLAGS: readonly string[] = ['players', 'seconds', 'processes', 'url', 'websocket'];

/** --players, --seconds, --processes, --url and --websocket (any other flag refused, but `flags`), checked together (processes at most players). */
export function botScriptArgs(args: ScriptArgs, defaults: { players?: number; seconds?: number; flags?: readonly string[] } = {}): BotScriptArgs {
  args.allow([...BOT_SCRIPT_FLAGS, ...(defaults.flags ?? [])]);
  const players = args.number('players', defaults.players ?? 20, { integer: true, min: 1, max: 5000 });
  const seconds = args.number('seconds', defaults.seconds ?? 60, { min: 0.1 });
  const processes = args.number('processes', 1, { integer: true, min: 1, max: players });
  return { players, seconds, processes, url: args.text('url') ?? 'http://127.0.0.1:8080', transport: args.has('websocket') ? 'websocket' : 'udp' };
}
