/**
 * The executor's side of the local transport: newline-delimited JSON on an inherited
 * socket (fd 3). One ServiceMessage comes in, RunnerMessages go out. The function's own
 * console output never goes here: it stays on the process's stdout/stderr.
 *
 * The child's end of the socket pair Node creates for an extra stdio 'pipe' is blocking,
 * so plain synchronous reads and writes do: cheaper to start than a net.Socket, and a
 * write has reached the supervisor when it returns (nothing is lost by exiting right after).
 */
import { readSync, writeSync } from 'node:fs';
import type { ServiceMessage, SignedRunnerMessage } from './protocol.js';

export const CHANNEL_FD = 3;

/** Reads the first line on `fd` and parses it; throws when the peer closes first or sends garbage. */
export function receive(fd = CHANNEL_FD): ServiceMessage {
  const chunks: Buffer[] = [];
  const buf = Buffer.allocUnsafe(64 * 1024);
  for (;;) {
    const n = readSync(fd, buf, 0, buf.length, null);
    if (n === 0) throw new Error(`fd ${fd} closed before an assignment arrived`);
    const nl = buf.subarray(0, n).indexOf(10);
    chunks.push(Buffer.from(buf.subarray(0, nl < 0 ? n : nl)));
    if (nl >= 0) break;
  }
  const line = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(line) as ServiceMessage;
  } catch (err) {
    throw new Error(`malformed message on fd ${fd}: ${(err as Error).message}`);
  }
}

/** Writes one message as a line; returns once all of it has been handed to the kernel. */
export function send(message: SignedRunnerMessage, fd = CHANNEL_FD): void {
  const data = Buffer.from(JSON.stringify(message) + '\n');
  for (let off = 0; off < data.length; ) off += writeSync(fd, data, off);
}
