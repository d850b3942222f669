// The flags every game's server program takes for what stands between it and the internet:
// per-IP limits, the operator routes' token, the pages allowed to open /ws, and the reverse
// proxies whose X-Forwarded-For it believes (the README's Security section). A game's server
// reads its own flags with ScriptArgs and spreads these into DeclaredServer.start or
// DeclaredRoomServer.start, so a deployment sets them the same way whatever game it serves:
//
//   const args = new ScriptArgs();
//   args.allow(['http-port', 'seed', ...SECURITY_FLAGS]);
//   await DeclaredServer.start({ module, httpPort: args.number('http-port', 8080), ...securityFlags(args) });
//
// A value out of range ends the program with one line naming the flag (ScriptArgs), before
// anything listens.

import type { PartialConfig } from '../core/config.js';
import { DEFAULT_CONFIG, resolveConfig } from '../core/config.js';
import { ConfigError } from '../core/errors.js';
import { TrustedProxies } from '../net/client-address.js';
import type { ScriptArgs } from './script-args.js';

/** The flags securityFlags reads. */
export const SECURITY_FLAGS: readonly string[] = ['max-sessions-per-ip', 'connect-rate', 'allow-origin', 'admin-token', 'max-http-connections', 'trust-proxy'];

/** The lines a program's --help prints for SECURITY_FLAGS. */
export const SECURITY_USAGE = `Security (see the README's Security section):
  --max-sessions-per-ip <n>   Sessions one IP address may hold (default ${DEFAULT_CONFIG.maxSessionsPerIp})
  --connect-rate <n>          Connect tokens per minute per IP from POST /connect (default ${DEFAULT_CONFIG.connectRatePerIp})
  --allow-origin <origin>     Another origin whose pages may open /ws (repeatable, or comma-separated;
                              * for any; default: the page's own origin only)
  --admin-token <token>       /players, /metrics and the detailed /healthz for Authorization:
                              Bearer <token> from any address (default: loopback only)
  --max-http-connections <n>  HTTP/WebSocket connections at once (default ${DEFAULT_CONFIG.maxHttpConnections})
  --trust-proxy <list>        Reverse proxies in front of /connect and /ws whose X-Forwarded-For
                              names the client, for the per-IP limits and the loopback-only
                              routes: addresses, CIDR ranges, loopback, private, linklocal,
                              comma-separated (default: none; every client is its socket's peer)`;

/** Every value of a flag that may be repeated or comma-separated, trimmed, empty ones left out. */
function listOf(args: ScriptArgs, name: string): string[] | undefined {
  const values = args.texts(name);
  if (values.length === 0) return undefined;
  return values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
}

/**
 * The security flags given (absent ones are left to the server's defaults), each checked:
 * `--trust-proxy 10.0.0.0/33` or `--allow-origin ftp://x` ends the program naming the flag.
 */
export function securityFlags(args: ScriptArgs): PartialConfig {
  const config: { -readonly [K in keyof PartialConfig]: PartialConfig[K] } = {};
  const count = (name: string, max: number): number | undefined => (args.text(name) === undefined ? undefined : args.number(name, 0, { integer: true, min: 1, max }));
  const maxSessionsPerIp = count('max-sessions-per-ip', 100_000);
  const connectRatePerIp = count('connect-rate', 1_000_000);
  const maxHttpConnections = count('max-http-connections', 1_000_000);
  if (maxSessionsPerIp !== undefined) config.maxSessionsPerIp = maxSessionsPerIp;
  if (connectRatePerIp !== undefined) config.connectRatePerIp = connectRatePerIp;
  if (maxHttpConnections !== undefined) config.maxHttpConnections = maxHttpConnections;
  const origins = listOf(args, 'allow-origin');
  if (origins !== undefined) config.allowedOrigins = origins;
  const token = args.text('admin-token');
  if (token !== undefined) config.adminToken = token;
  const proxies = listOf(args, 'trust-proxy');
  if (proxies !== undefined) {
    try {
      new TrustedProxies(proxies);
    } catch (err) {
      args.fail(`--trust-proxy: ${(err as Error).message}`);
    }
    config.trustedProxies = proxies;
  }
  // The rest as the server will hold them (resolveConfig's own checks, so a flag and the option
  // it sets can never disagree), named by flag. Its messages never repeat a token's value.
  try {
    resolveConfig(config);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    args.fail(`${FLAG_OF[err.option] ?? err.option}: ${err.message.slice(err.option.length + 2)}`);
  }
  return config;
}

const FLAG_OF: Readonly<Record<string, string>> = {
  maxSessionsPerIp: '--max-sessions-per-ip',
  connectRatePerIp: '--connect-rate',
  allowedOrigins: '--allow-origin',
  adminToken: '--admin-token',
  maxHttpConnections: '--max-http-connections',
  trustedProxies: '--trust-proxy',
};
