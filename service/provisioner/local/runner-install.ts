/**
 * Puts a copy of the runner program where sandbox uids can read it. The service may run
 * from a checkout no other user can enter (a root user's 0700 home, a `mktemp -d`), so the
 * sandbox never reads the runner from there: its `*.js` and `*.cjs` files (node builtins only) are
 * copied once into `<dir>/<sha256 of their contents>/`, root-owned and read-only, with a
 * package.json that makes them ES modules. Concurrent services build into a private
 * temporary directory and rename it into place; the first one wins, the others reuse it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export async function installRunner(runnerDir: string, dir: string): Promise<string> {
  const names = (await readdir(runnerDir)).filter((n) => n.endsWith('.js') || n.endsWith('.cjs')).sort();
  const files = await Promise.all(names.map(async (n) => [n, await readFile(join(runnerDir, n))] as const));
  const hash = createHash('sha256');
  for (const [n, data] of files) hash.update(n).update('\0').update(data).update('\0');
  const target = join(dir, hash.digest('hex').slice(0, 16));
  if (await isDir(target)) return target;

  await mkdir(dir, { recursive: true, mode: 0o755 });
  await chmod(dir, 0o755);
  const staging = join(dir, `.staging-${randomBytes(6).toString('hex')}`);
  await mkdir(staging, { mode: 0o700 });
  try {
    await writeFile(join(staging, 'package.json'), '{ "type": "module" }\n', { mode: 0o444 });
    await Promise.all(files.map(([n, data]) => writeFile(join(staging, n), data, { mode: 0o444 })));
    await chmod(staging, 0o555);
    await rename(staging, target).catch(async (err: NodeJS.ErrnoException) => {
      if (!(await isDir(target))) throw err; // another process installed the same runner meanwhile
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return target;
}

async function isDir(p: string): Promise<boolean> {
  return stat(p).then(
    (s) => s.isDirectory(),
    () => false,
  );
}
