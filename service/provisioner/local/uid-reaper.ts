/**
 * Kills every process of one sandbox uid, for hosts without a usable cgroup: `kill -KILL -1`
 * run *as that uid* reaches exactly the processes it may signal, i.e. its own, however they
 * were started (setsid, double fork). Repeated until /proc shows none left.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export async function killUid(setpriv: string, uid: number, deadlineMs = 5000): Promise<boolean> {
  const end = Date.now() + deadlineMs;
  while (Date.now() < end) {
    if ((await processesOf(uid)) === 0) return true;
    await new Promise<void>((resolve) => {
      const p = spawn(setpriv, [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '--', 'kill', '-KILL', '-1'], { stdio: 'ignore' });
      p.once('error', () => resolve());
      p.once('exit', () => resolve());
    });
  }
  return (await processesOf(uid)) === 0;
}

/**
 * How many live (non-zombie) processes run with real uid `uid`. Synchronous on purpose:
 * a few hundred tiny procfs reads cost far less than as many trips through the thread pool.
 */
export async function processesOf(uid: number): Promise<number> {
  let n = 0;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let status = '';
    try {
      status = readFileSync(`/proc/${name}/status`, 'latin1');
    } catch {
      continue; // exited meanwhile
    }
    const real = /^Uid:\s+(\d+)/m.exec(status)?.[1];
    if (real === String(uid) && !/^State:\s+Z/m.test(status)) n++;
  }
  return n;
}
