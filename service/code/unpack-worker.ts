/**
 * The unpacker's own process, so that no archive is ever handled with root's rights. The
 * service starts it (as root, or as itself when it is not root) with the empty scratch
 * directory as its working directory. It loads all of its code first (the one archive reader
 * it needs included), then drops to the unpack identity, checks that no capability is left,
 * and only then reads the archive from stdin and unpacks it into `.`: it reaches nothing of
 * the host by path, not even the scratch directory's parent. Protocol: unpack-protocol.ts.
 */
import { readFileSync } from 'node:fs';
import { loadReader, unpackArchive } from './unpack.js';
import type { UnpackIdentity, WorkerArgs, WorkerReport } from './unpack-protocol.js';

function report(r: WorkerReport): void {
  process.stdout.write(`${JSON.stringify(r)}\n`);
}

function dropTo(identity: UnpackIdentity): WorkerReport & { kind: 'dropped' } {
  if (identity) {
    process.setgroups!([]);
    process.setgid!(identity.gid);
    process.setuid!(identity.uid);
  }
  const capEff = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 'unknown';
  const me = { uid: process.getuid!(), gid: process.getgid!(), groups: process.getgroups!(), capEff };
  if (identity) {
    const wrong = me.uid !== identity.uid || process.geteuid!() !== identity.uid || me.gid !== identity.gid || process.getegid!() !== identity.gid || me.groups.some((g) => g !== identity.gid) || !/^0+$/.test(capEff);
    if (wrong) throw new Error(`still privileged after dropping to ${identity.uid}:${identity.gid} (now ${JSON.stringify(me)})`);
  }
  return { kind: 'dropped', ...me };
}

async function readStdin(): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of process.stdin) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '') as WorkerArgs;
  process.umask(0o022);
  const reader = await loadReader(args.format);
  report(dropTo(args.identity));
  const blob = await readStdin();
  try {
    report({ kind: 'done', ...(await unpackArchive(blob, args.format, '.', args.limits, reader)) });
  } catch (err) {
    const e = err as Error & { code?: string };
    report(e.code === 'invalid_code_package' ? { kind: 'refused', message: e.message } : { kind: 'failed', message: String(e.stack ?? e) });
  }
}

main().catch((err: unknown) => {
  report({ kind: 'failed', message: String((err as Error).stack ?? err) });
  process.exitCode = 1;
});
