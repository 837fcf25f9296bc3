/**
 * What the sandbox sees of the file system, as an fstab applied with one `mount -a -T`
 * inside the sandbox's private mount namespace (nothing of it reaches the host):
 *
 * - The service keeps its data dir 0700, so an unprivileged uid could not even reach its
 *   working directory inside it. The topmost such closed ancestor (else the sandbox root)
 *   is covered by a per-execution *view*: a skeleton of traverse-only directories whose
 *   only content is the working directory, bind-mounted at its real path. Paths are the
 *   same inside and out, and the data dir, the code cache and other executions' directories
 *   simply do not exist in there.
 * - /tmp, /var/tmp and /dev/shm become the execution's own tmp/ (unless one of them holds
 *   the covered directory): no files shared with the host or with other executions.
 * - The runner program must stay visible: when it lives under one of those tmp directories
 *   (a checkout in /tmp), it is bound back read-only at its own path inside the private one.
 * - /proc is a fresh instance with `hidepid=invisible`: the function sees its own
 *   processes only.
 */
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

export interface MountView {
  /** The fstab file to pass to `mount -a -T`. */
  fstab: string;
  /** Directory holding the view and the fstab; removed on release. */
  dir: string;
  /** The directory the view covers inside the sandbox. */
  covers: string;
  /** The well-known tmp directories that are the run's own tmp/ inside the sandbox. */
  privateDirs: string[];
}

const PRIVATE_DIRS = ['/tmp', '/var/tmp', '/dev/shm'];

/**
 * Builds the view for `workdir` (under `sandboxRoot`) in `viewDir`, which must be inside
 * the covered directory (so that the sandbox cannot see it).
 */
export async function createMountView(sandboxRoot: string, workdir: string, tmpDir: string, viewDir: string, runnerDir?: string): Promise<MountView> {
  const covers = (await topmostClosedAncestor(workdir)) ?? sandboxRoot;
  const rel = relative(covers, workdir);
  if (!rel || rel.startsWith('..')) throw new Error(`${workdir} is not below ${covers}`);
  const mountPoint = join(viewDir, 'root', rel);
  await mkdir(mountPoint, { recursive: true, mode: 0o711 });

  const lines = [`${esc(workdir)} ${esc(mountPoint)} none bind 0 0`, `${esc(join(viewDir, 'root'))} ${esc(covers)} none rbind 0 0`];
  const privateDirs: string[] = [];
  for (const dir of PRIVATE_DIRS) {
    if (covers === dir || covers.startsWith(dir + sep) || !(await isDir(dir))) continue;
    if (runnerDir && runnerDir.startsWith(dir + sep)) {
      // Bound into the run's tmp/ first (while the real path still resolves), then carried
      // over by the recursive bind below. Root-owned, so the function cannot replace it.
      const inside = join(tmpDir, relative(dir, runnerDir));
      await mkdir(inside, { recursive: true, mode: 0o755 });
      lines.push(`${esc(runnerDir)} ${esc(inside)} none bind,ro 0 0`);
    }
    lines.push(`${esc(tmpDir)} ${esc(dir)} none rbind 0 0`);
    privateDirs.push(dir);
  }
  // A source name other than `proc` keeps `mount -a` from taking it for the mounted /proc.
  lines.push('fnstack-proc /proc proc hidepid=invisible,nosuid,nodev,noexec 0 0');
  const fstab = join(viewDir, 'fstab');
  await writeFile(fstab, lines.join('\n') + '\n', { mode: 0o600 });
  return { fstab, dir: viewDir, covers, privateDirs };
}

/** The ancestor closest to `/` that others cannot traverse (no o+x), if any. */
async function topmostClosedAncestor(path: string): Promise<string | null> {
  const parts = path.split(sep).filter(Boolean);
  for (let i = 1; i < parts.length; i++) {
    const dir = sep + parts.slice(0, i).join(sep);
    const st = await stat(dir);
    if ((st.mode & 0o001) === 0) return dir;
  }
  return null;
}

async function isDir(p: string): Promise<boolean> {
  return stat(p).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/** fstab fields escape whitespace and backslashes as octal. */
function esc(path: string): string {
  return path.replace(/[\s\\]/g, (c) => '\\' + c.charCodeAt(0).toString(8).padStart(3, '0'));
}
