// A fetch for the token endpoint that sends from a chosen local address (Node only). Bots that
// run many clients on one machine give each its own loopback address (127.x.y.z): the server's
// per-address limits (connect tokens per minute, sessions per address) then count each bot as
// the separate player it stands for, as they would count players on separate machines. Only
// what GameClient needs: a POST with a JSON body, a JSON answer; bounded in size and time.

import { request as httpRequest } from 'node:http';

/** Largest answer read (a token endpoint answers a few hundred bytes). */
const MAX_ANSWER_BYTES = 64 * 1024;
const TIMEOUT_MS = 10_000;

export function fetchFrom(localAddress: string) {
  return (url: string | URL, init: { method: string; headers: Record<string, string>; body: string }): Promise<{ ok: boolean; status: number; json(): Promise<unknown> }> =>
    new Promise((resolve, reject) => {
      const target = new URL(url);
      const req = httpRequest(
        {
          host: target.hostname, port: target.port, path: target.pathname + target.search, method: init.method,
          headers: { ...init.headers, 'Content-Length': Buffer.byteLength(init.body) }, localAddress, timeout: TIMEOUT_MS,
          // A connection of its own, closed with the answer: a bot asks once, and a pooled socket
          // kept alive after it would hold the process (and one of the server's) open.
          agent: false,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_ANSWER_BYTES) req.destroy(new Error(`the token endpoint answered more than ${MAX_ANSWER_BYTES} bytes`));
            else chunks.push(chunk);
          });
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            resolve({ ok: status >= 200 && status < 300, status, json: async () => JSON.parse(text) as unknown });
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error('the token endpoint did not answer in time')));
      req.on('error', reject);
      req.end(init.body);
    });
}
