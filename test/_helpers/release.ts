/**
 * The service's release as the deploy tests install it: murano-package/build-release.sh
 * (dist + production node_modules, the modules cached outside the clone by the package-lock
 * hash). Built once per run: the script returns the existing tarball when dist is unchanged,
 * and serializes concurrent callers.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export async function prebuiltRelease(root: string): Promise<string> {
  const { stdout } = await run('bash', [join(root, 'murano-package/build-release.sh')], { cwd: root, timeout: 15 * 60_000, maxBuffer: 16 * 1024 * 1024 });
  const path = stdout.trim().split('\n').pop();
  if (!path?.endsWith('.tgz')) throw new Error(`build-release.sh printed no tarball path: ${stdout}`);
  return path;
}
