/**
 * Helpers for the security tests that attack one guard directly on the real kernel: a uid
 * from the range reserved for these tests (taken through the same lock dir as the running
 * sandboxes', so nothing collides), and a process started as that uid, optionally inside
 * cgroups, the way the launcher starts a function.
 */
import { spawn } from 'node:child_process';
import type { ExecutionContext } from 'ava';
import { UidPool } from '../../service/provisioner/local/uid-pool.js';
import { requireService } from '../_helpers/requirements.js';

export const isRoot = process.getuid?.() === 0;

/** uids 200900–200999: above what the running sandboxes' rotation reaches in practice. */
export const testUids = new UidPool(200_900, 100, '/run/fnstack/uids');

export function requireRoot(t: ExecutionContext): boolean {
  return requireService(t, 'root (sandbox uids, cgroups, loop mounts)', isRoot);
}

export async function takeUid(): Promise<number> {
  const uid = await testUids.take();
  if (uid === null) throw new Error('all test uids 200900–200999 are in use');
  return uid;
}

export interface Exit {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node -e script` as `uid`:`uid` with no supplementary groups and no_new_privs, after
 * its shell joined every cgroup in `procsFiles` (so all of node runs inside them).
 */
export function runAs(uid: number, script: string, procsFiles: string[] = [], env: Record<string, string> = {}): Promise<Exit> {
  const join = 'for f in "$@"; do echo $$ > "$f" || exit 97; done';
  const exec = `exec /usr/bin/setpriv --reuid=${uid} --regid=${uid} --clear-groups --no-new-privs "$NODE" -e "$SCRIPT"`;
  const child = spawn('/bin/sh', ['-c', `${join}; ${exec}`, 'sh', ...procsFiles], {
    env: { PATH: '/usr/bin:/bin', NODE: process.execPath, SCRIPT: script, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: '/',
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
