/**
 * The disk limit seen from inside a real local sandbox, as the provider wires it: a function
 * writing past its disk_gb in /tmp ($TMPDIR and $HOME are it) gets ENOSPC and the failure names
 * the disk; nothing else outside the sandbox's own tmpfs is writable, even for a child process.
 */
import test from 'ava';
import { requireRoot, sandbox, type Sandbox } from '../provisioner/_fixtures.js';

let sb: Sandbox;
test.before(async () => {
  sb = await sandbox();
});
test.after.always(async () => {
  await sb?.close();
});

test('a function writing 1.1 GiB into /tmp on a 1 GB disk gets ENOSPC, and the failure names the disk', async (t) => {
  if (!requireRoot(t)) return;
  const { outcome } = await sb.invoke(
    {
      'index.js': `const fs = require('fs');
        exports.handler = () => {
          if (process.env.TMPDIR !== '/tmp' || process.env.HOME !== '/tmp') throw new Error('TMPDIR/HOME are not /tmp');
          const fd = fs.openSync('/tmp/big', 'w');
          const chunk = Buffer.alloc(1 << 20);
          for (let i = 0; i < 1100; i++) fs.writeSync(fd, chunk);
          return 'wrote 1100 MiB';
        };`,
    },
    'index.handler',
    { diskGb: 1, timeoutS: 120 },
  );
  t.is(outcome.status, 'failed', JSON.stringify(outcome));
  t.regex(outcome.failure?.message ?? '', /ENOSPC/);
  t.regex(outcome.failure?.message ?? '', /disk limit reached: the function used \d+ MiB of 1024 MiB/);
});

test('a child process finds no writable directory outside its own /tmp and /dev/shm', async (t) => {
  if (!requireRoot(t)) return;
  const { outcome } = await sb.invoke(
    {
      'index.js': `const { spawnSync } = require('child_process');
        exports.handler = () => {
          const found = spawnSync('find', ['/', '-path', '/proc', '-prune', '-o', '-path', '/sys', '-prune', '-o', '-type', 'd', '-writable', '-print'], { encoding: 'utf8' }).stdout;
          // devpts only makes terminals through /dev/ptmx: no files can be written there
          const own = ['/tmp', '/dev/shm', '/dev/pts'];
          return [...new Set(found.split('\\n'))].filter((d) => d && !own.some((o) => d === o || d.startsWith(o + '/')));
        };`,
    },
    'index.handler',
    // find walks the whole root (all of /usr): how long depends on what the host installed and its load, not on the guard.
    { timeoutS: 120 },
  );
  t.is(outcome.status, 'succeeded', JSON.stringify(outcome));
  t.deepEqual(outcome.result, []);
});
