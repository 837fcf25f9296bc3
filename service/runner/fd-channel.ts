/**
 * The executor's side of the local transport: newline-delimited JSON on an inherited
 * socket (fd 3). One ServiceMessage comes in, RunnerMessages go out. The function's own
 * console output never goes here: it stays on the process's stdout/stderr.
 */
import net from 'node:net';
import type { RunnerMessage, ServiceMessage } from './protocol.js';

export interface Channel {
  /** The first line received, parsed; rejects when the peer closes first or sends garbage. */
  receive(): Promise<ServiceMessage>;
  /** Resolves once the message has been handed to the kernel. */
  send(message: RunnerMessage): Promise<void>;
}

export function openChannel(fd = 3): Channel {
  const socket = new net.Socket({ fd, readable: true, writable: true, allowHalfOpen: true });
  let buffered = '';
  const first = new Promise<ServiceMessage>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const nl = buffered.indexOf('\n');
      if (nl < 0) return;
      socket.off('data', onData);
      try {
        resolve(JSON.parse(buffered.slice(0, nl)) as ServiceMessage);
      } catch (err) {
        reject(new Error(`malformed message on fd ${fd}: ${(err as Error).message}`));
      }
    };
    socket.on('data', onData);
    socket.once('end', () => reject(new Error(`fd ${fd} closed before an assignment arrived`)));
    socket.once('error', reject);
  });
  // Later input is ignored, but reading keeps the socket (and so the run) alive.
  first.then(() => socket.on('data', () => undefined)).catch(() => undefined);
  return {
    receive: () => first,
    send: (message) =>
      new Promise((resolve, reject) => {
        socket.write(JSON.stringify(message) + '\n', (err) => (err ? reject(err) : resolve()));
      }),
  };
}
