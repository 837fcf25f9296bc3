/**
 * A machine-wide mutex the kernel holds for us: an flock(2) on `<dir>/.takeover`, held by a
 * child `flock … cat` for as long as we keep its stdin open. The kernel lets go of it when
 * the holder closes it or dies (our death closes the pipe, `cat` ends, `flock` exits) — so,
 * unlike a lock file, it is never stale and never needs taking over itself. Node has no
 * flock of its own; the child is spawned only on the rare path that needs it (a dead owner's
 * lock). The file lives in the caller's root-only directory: no sandbox can take it. (An
 * abstract Unix socket would need no child, but its namespace is the network namespace's, which
 * sandboxes with `network: true` share.)
 *
 *   const won = await withTakeoverMutex('/var/lib/fnstack/uids', async () => { …check, then act… });
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** A holder runs a few file operations; waiting longer means something is wrong: give up. */
const WAIT_S = 5;
const FLOCK = '/usr/bin/flock';

/**
 * Runs `fn` while holding the mutex of `dir`. When the mutex cannot be had within a few
 * seconds (or `flock` cannot run), `fn` does not run and the answer is false: the caller's
 * takeover does not happen (fail closed).
 */
export async function withTakeoverMutex(dir: string, fn: () => Promise<boolean>): Promise<boolean> {
  const holder = spawn(FLOCK, ['--exclusive', '--wait', String(WAIT_S), join(dir, '.takeover'), 'cat'], {
    stdio: ['pipe', 'pipe', 'ignore'],
    env: { PATH: '/usr/bin:/bin' },
  });
  const exited = new Promise<void>((resolve) => {
    holder.once('close', () => resolve());
    holder.once('error', () => resolve());
  });
  // `cat` echoes this only once flock has the lock and has started it.
  const held = new Promise<boolean>((resolve) => {
    holder.stdout.once('data', () => resolve(true));
    holder.once('close', () => resolve(false));
    holder.once('error', () => resolve(false));
  });
  holder.stdin.on('error', () => undefined);
  holder.stdin.write('held\n');
  try {
    return (await held) && (await fn());
  } finally {
    holder.stdin.end();
    await exited;
  }
}
