/**
 * A machine-wide mutex the kernel holds for us: a listening Unix socket in the abstract
 * namespace. Only one process can bind a name at a time, and the kernel releases it when its
 * holder closes it or dies — so, unlike a lock file, it is never stale and never needs taking
 * over itself. (Its scope is the network namespace: every service process of one data dir
 * runs in the host's.)
 *
 *   const won = await withTakeoverMutex('/var/lib/fnstack/uids', async () => { …check, then act… });
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** A holder runs a few file operations; waiting longer means something is wrong: give up. */
const WAIT_MS = 5_000;
const RETRY_MS = 2;

/**
 * Runs `fn` while holding the mutex named after `scope` (say, a lock directory). When the
 * mutex cannot be had within a few seconds, `fn` does not run and the answer is false: the
 * caller's takeover does not happen (fail closed).
 */
export async function withTakeoverMutex(scope: string, fn: () => Promise<boolean>): Promise<boolean> {
  const name = `\0fnstack-takeover-${createHash('sha256').update(scope).digest('hex').slice(0, 32)}`;
  const deadline = Date.now() + WAIT_MS;
  let server: Server | null = null;
  while (!server) {
    server = await bind(name);
    if (server) break;
    if (Date.now() > deadline) return false;
    await sleep(RETRY_MS);
  }
  try {
    return await fn();
  } finally {
    server.close();
  }
}

/** The bound server, or null when another process holds the name. */
function bind(name: string): Promise<Server | null> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' ? resolve(null) : reject(err)));
    server.listen(name, () => resolve(server));
  });
}
