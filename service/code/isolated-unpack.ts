/**
 * Runs the unpacking of one archive in its own process (unpack-worker.ts) as the unpack
 * identity, inside `scratch`, which must be an empty directory that identity owns. The
 * worker's cwd is set before it drops privileges, so `scratch` may sit below directories the
 * identity cannot enter (the 0700 code cache): it reaches nothing else by path.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { badPackage } from './package-errors.js';
import type { ArchiveFormat, UnpackLimits } from './unpack.js';
import type { UnpackIdentity, WorkerArgs, WorkerReport } from './unpack-protocol.js';

const WORKER = fileURLToPath(new URL('./unpack-worker.js', import.meta.url));
/** What is kept of the worker's stderr for an error message. */
const STDERR_KEEP = 4096;

/** Who unpacks: `uid` (and the gid of the same number) when the service is root, else the service itself. */
export function unpackIdentity(uid: number): UnpackIdentity {
  return process.getuid?.() === 0 ? { uid, gid: uid } : null;
}

export interface IsolatedOutcome {
  entries: number;
  bytes: number;
  /** Who the worker ran as, from its own report (`capEff` is /proc's CapEff, hex). */
  ranAs: { uid: number; gid: number; groups: number[]; capEff: string };
}

export async function unpackIsolated(blob: Buffer, format: ArchiveFormat, scratch: string, limits: UnpackLimits, identity: UnpackIdentity): Promise<IsolatedOutcome> {
  const args: WorkerArgs = { format, limits, identity };
  const child = spawn(process.execPath, [WORKER, JSON.stringify(args)], {
    cwd: scratch,
    env: { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr = (stderr + s).slice(-STDERR_KEEP)));
  // the worker stops reading when it refuses early or dies: the rest of the archive is moot
  child.stdin.on('error', () => undefined);
  child.stdin.end(blob);
  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  const reports = parseReports(stdout);
  const dropped = reports.find((r) => r.kind === 'dropped');
  const end = reports.find((r) => r.kind !== 'dropped');
  const how = exit.signal ? `was killed by ${exit.signal}` : `exited with ${exit.code}`;
  if (!dropped) throw new Error(`the unpacker could not start as ${identity ? `uid ${identity.uid}` : 'the service user'} (it ${how}): ${stderr.trim()}`);
  if (end?.kind === 'refused') throw badPackage(end.message);
  if (end?.kind === 'failed') throw new Error(`the unpacker failed: ${end.message}`);
  if (end?.kind !== 'done' || exit.code !== 0) throw new Error(`the unpacker ${how} before it finished: ${stderr.trim()}`);
  return { entries: end.entries, bytes: end.bytes, ranAs: { uid: dropped.uid, gid: dropped.gid, groups: dropped.groups, capEff: dropped.capEff } };
}

function parseReports(stdout: string): WorkerReport[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as WorkerReport];
      } catch {
        return [];
      }
    });
}
