// The receiving end of the `net` suite's throughput and latency cases, in a worker thread (its
// own core, as a server would be): a NetServer on a UDP loopback port, or a raw node:dgram
// socket. It counts what arrives, echoes when asked to, and reports its event-loop busy time so
// the suite can charge CPU per packet to each end.

import { createSocket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { createNativeCrypto } from '../src/net/crypto-native.js';
import { NetServer } from '../src/net/server.js';
import { SERVER_SOCKET_BUFFER_BYTES, UdpTransport } from '../src/net/transport-udp.js';
import type { ChannelConfig } from '../src/net/channel.js';

export interface ReceiverData {
  impl: 'chronos' | 'dgram';
  echo: boolean;
  secret: Uint8Array;
  channels: ChannelConfig[];
}

export type ReceiverRequest = { waitFor: number; timeoutMs: number } | { elu: true } | { stop: true };

const data = workerData as ReceiverData;
const port = parentPort!;
let received = 0;
let waitFor = Infinity;
let waitTimer: NodeJS.Timeout | undefined;

function arrived(): void {
  received++;
  if (received >= waitFor) answer();
}

function answer(): void {
  waitFor = Infinity;
  clearTimeout(waitTimer);
  port.postMessage({ received });
}

let stop: () => Promise<void>;
let listenPort: number;
if (data.impl === 'dgram') {
  const socket = createSocket({ type: 'udp4', recvBufferSize: SERVER_SOCKET_BUFFER_BYTES });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  socket.on('message', (msg, rinfo) => {
    if (data.echo) socket.send(msg, rinfo.port, rinfo.address);
    arrived();
  });
  listenPort = socket.address().port;
  stop = () => new Promise((r) => socket.close(() => r()));
} else {
  const udp = await UdpTransport.bind({ host: '127.0.0.1', port: 0, socketBufferBytes: SERVER_SOCKET_BUFFER_BYTES });
  const server: NetServer = new NetServer({
    crypto: createNativeCrypto(),
    secret: data.secret,
    channels: data.channels,
    connectionPacketsPerSec: 1e9,
    connectionBytesPerSec: 1e12,
    handlers: {
      message: (conn, channel, bytes) => {
        if (data.echo) {
          conn.send(channel, bytes);
          server.flush(conn);
        }
        arrived();
      },
    },
  });
  server.listen(udp);
  const timer = setInterval(() => server.update(), 16);
  listenPort = udp.port;
  stop = async () => {
    clearInterval(timer);
    await server.close();
  };
}

port.on('message', (m: ReceiverRequest) => {
  if ('waitFor' in m) {
    waitFor = m.waitFor;
    if (received >= waitFor) answer();
    else waitTimer = setTimeout(answer, m.timeoutMs);
  } else if ('elu' in m) {
    port.postMessage({ elu: performance.eventLoopUtilization() });
  } else {
    void stop().then(() => port.postMessage({ stopped: true }));
  }
});
port.postMessage({ port: listenPort });
