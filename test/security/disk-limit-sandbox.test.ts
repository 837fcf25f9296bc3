/**
 * The disk limit seen from inside a real local sandbox: a function writing past its disk in
 * /tmp, $TMPDIR or $HOME (all its own tmp/) gets ENOSPC, and the failure names the disk.
 * The provider does not call DiskQuota yet; the test does it between acquire and run, and
 * before release, where the wiring goes.
 *
 * `.failing` until the launcher shows the sandbox the disk: today's mount view binds the
 * working directory non-recursively (mount-view.ts), so inside the sandbox tmp/ is the host
 * directory under the disk's mount and the 256 MiB land on the host. A recursive bind
 * (`rbind`, or bubblewrap's `--bind`, which is recursive) makes these pass: then drop `.failing`.
 * The last test fails until nothing but tmp/ is writable for the uid (see its comment).
 */
import test from 'ava';
import { join } from 'node:path';
import { DiskQuota } from '../../service/provisioner/local/disk-quota.js';
import { withDiskVerdict } from '../../service/provisioner/local/disk-verdict.js';
import type { LocalEnvironment } from '../../service/provisioner/local/local-environment.js';
import { assignment, params, requireRoot, sandbox, type Sandbox } from '../provisioner/_fixtures.js';

const MiB = 1024 ** 2;
let sb: Sandbox;
let disk: DiskQuota;
test.before(async () => {
  sb = await sandbox();
  disk = new DiskQuota({ imageDir: join(sb.dataDir, 'scratch'), reserveBytes: 0 });
});
test.after.always(async () => {
  await sb?.close();
});

/** acquire → limit → run → kill → clear → release, as the provider will do it once wired. */
async function runLimited(files: Record<string, string>, diskBytes: number) {
  const code = await sb.code(files);
  const p = params({ timeoutS: 30 });
  const env = (await sb.provider.acquire(p)) as LocalEnvironment;
  const uid = env.parts.uid!;
  try {
    await disk.limit(uid, diskBytes, env.parts.workdir.tmpDir);
    const outcome = await env.run(assignment(p, 'index.handler', code));
    return { outcome, said: withDiskVerdict(outcome, await disk.usage(uid)) };
  } finally {
    await env.parts.cgroup?.kill(); // the disk can only be unmounted once nothing uses it
    await disk.clear(uid);
    await sb.provider.release(env);
  }
}

for (const where of ['"/tmp"', 'process.env.TMPDIR', 'process.env.HOME']) {
  test.failing(`a function writing 256 MiB into ${where} on a 64 MiB disk gets ENOSPC, and the failure names the disk`, async (t) => {
    if (!requireRoot(t)) return;
    const { outcome, said } = await runLimited(
      {
        'index.js': `const fs = require('fs');
          exports.handler = () => {
            const fd = fs.openSync(${where} + '/big', 'w');
            const chunk = Buffer.alloc(1 << 20);
            for (let i = 0; i < 256; i++) fs.writeSync(fd, chunk);
            return 'wrote 256 MiB';
          };`,
      },
      64 * MiB,
    );
    t.is(outcome.status, 'failed', JSON.stringify(outcome));
    t.regex(outcome.failure?.message ?? '', /ENOSPC|EDQUOT/);
    t.regex(said.failure?.message ?? '', /disk limit reached: the function used \d+ MiB of 64 MiB/);
  });
}

/**
 * Child processes leave Node's permission model, so the uid's own file permissions are all
 * that keeps them in tmp/. `.failing` for what it finds on this machine: the working
 * directory itself belongs to the uid (workdir.ts: a child wrote 128 MiB there, on the host
 * disk, past a 64 MiB limit), and /run/lock is world-writable on the root filesystem (data
 * on the host disk that outlives the run). Passes once the launcher shows neither.
 */
test.failing('a child process finds no writable directory outside its own tmp/ (/tmp, /var/tmp, /dev/shm are it)', async (t) => {
  if (!requireRoot(t)) return;
  const { outcome } = await runLimited(
    {
      'index.js': `const { spawnSync } = require('child_process');
        exports.handler = () => {
          // find exits 1 on the directories it may not read: its list is what counts. The
          // working dir is named: find cannot list the traverse-only directories above it.
          const found = spawnSync('find', ['/', require('path').dirname(process.env.TMPDIR), '-path', '/proc', '-prune', '-o', '-path', '/sys', '-prune', '-o', '-type', 'd', '-writable', '-print'], { encoding: 'utf8' }).stdout;
          const own = [process.env.TMPDIR, '/tmp', '/var/tmp', '/dev/shm'];
          return [...new Set(found.split('\\n'))].filter((d) => d && !own.some((o) => d === o || d.startsWith(o + '/')));
        };`,
    },
    64 * MiB,
  );
  t.is(outcome.status, 'succeeded', JSON.stringify(outcome));
  t.deepEqual(outcome.result, []);
});
