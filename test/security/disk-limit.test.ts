/**
 * disk_gb is enforced (item 9 of the adversarial review: a 1 GB function wrote 2 GiB). The
 * sandbox's writable directory is on a filesystem of the declared size: writing past it fails
 * with ENOSPC inside the function, the usage read afterwards says the limit was reached, and
 * nothing the uid wrote outlives `clear` — also when the filesystem is lent to another uid
 * after it. Attacks run as a real sandbox uid on the real kernel.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DiskQuota, GiB } from '../../service/provisioner/local/disk-quota.js';
import { DISK_LIMIT_REACHED, withDiskVerdict } from '../../service/provisioner/local/disk-verdict.js';
import { scratchMounts } from '../../service/provisioner/local/scratch-fs.js';
import { ProvisioningError } from '../../service/provisioner/provider.js';
import type { RunOutcome } from '../../service/runner/protocol.js';
import { isRoot, requireRoot, runAs, takeUid, testUids } from './_as-uid.js';

const MiB = 1024 ** 2;
let base = '';

test.before(async () => {
  if (!isRoot) return;
  // searchable by the sandbox uids, as the working directory is inside the sandbox's mount view
  await mkdir('/var/lib/fnstack-security-test', { recursive: true, mode: 0o711 });
  base = await mkdtemp('/var/lib/fnstack-security-test/disk-');
  await chmod(base, 0o711);
});
test.after.always(async () => {
  if (base) await rm(base, { recursive: true, force: true });
});

interface Fixture {
  imageDir: string;
  disk: DiskQuota;
}

/** A fresh image dir. */
async function fixture(reserveBytes = 0): Promise<Fixture> {
  const imageDir = join(base, `images-${randomBytes(4).toString('hex')}`);
  return { imageDir, disk: new DiskQuota({ imageDir, reserveBytes }) };
}

const images = async (imageDir: string) => (await readdir(imageDir)).filter((n) => n.endsWith('.img'));

/** Runs `fn` with a test uid and a fixture; clears the uid's disks and gives the uid back whatever happens. */
async function withUid(fn: (uid: number, f: Fixture) => Promise<void>, reserveBytes = 0): Promise<void> {
  const uid = await takeUid();
  const f = await fixture(reserveBytes);
  try {
    await fn(uid, f);
  } finally {
    await f.disk.clear(uid);
    await f.disk.close();
    await testUids.give(uid);
  }
}

/** Runs a Python program as `uid` (for what Node cannot do: extended attributes). */
function pythonAs(uid: number, program: string, env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/setpriv', [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '--no-new-privs', '/usr/bin/python3', '-c', program], { env: { PATH: '/usr/bin:/bin', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`python3 exited with ${code}: ${err}`))));
  });
}

/** Writes 1 MiB chunks to FILE until MAX bytes or an error; prints what it managed and the error code. */
const WRITER = `const fs = require('node:fs');
  const fd = fs.openSync(process.env.FILE, 'w');
  const chunk = Buffer.alloc(1 << 20, 7);
  let written = 0, code = null;
  try { while (written < Number(process.env.MAX)) written += fs.writeSync(fd, chunk); fs.fsyncSync(fd); } catch (e) { code = e.code; }
  console.log(JSON.stringify({ written, code }));`;

const MANY_FILES = `const fs = require('node:fs');
  let made = 0, code = null;
  try { for (; made < Number(process.env.MAX); made++) fs.writeFileSync(process.env.DIR + '/f' + made, ''); } catch (e) { code = e.code; }
  console.log(JSON.stringify({ made, code }));`;

const failed: RunOutcome = { status: 'failed', failure: { kind: 'handler_error', message: 'ENOSPC: no space left on device, write' }, logs: '', logsTruncated: false, startedAt: 0, finishedAt: 1 };

test('a function limited to 1 GiB that writes 2 GiB gets ENOSPC, and the usage read after says the limit was reached', async (t) => {
  if (!requireRoot(t)) return;
  await withUid(async (uid, { disk }) => {
  const dir = await disk.limit(uid, 1 * GiB);
  const exit = await runAs(uid, WRITER, [], { FILE: join(dir, 'big'), MAX: String(2 * GiB) });
  t.is(exit.code, 0, exit.stderr);
  const { written, code } = JSON.parse(exit.stdout) as { written: number; code: string | null };
  t.log(`wrote ${(written / MiB).toFixed(0)} MiB before ${code}`);
  t.true(code === 'ENOSPC' || code === 'EDQUOT', `the writer ended with ${code} after ${written} bytes`);
  t.true(written <= 1 * GiB, `wrote ${written} bytes`);
  t.true(written >= 0.95 * 10 ** 9, `a 1 GB function could write only ${written} bytes`);
  const usage = await disk.usage(uid);
  t.truthy(usage);
  t.true(usage!.full, JSON.stringify(usage));
  t.is(usage!.limitBytes, 1 * GiB);
  t.true(usage!.usedBytes >= written && usage!.usedBytes <= 1 * GiB, JSON.stringify(usage));
  const said = withDiskVerdict(failed, usage);
  t.true(said.failure!.message.startsWith(failed.failure!.message), said.failure!.message);
  t.regex(said.failure!.message, new RegExp(`${DISK_LIMIT_REACHED}: the function used \\d+ MiB of 1024 MiB`));
  });
});

test('creating files past the inode cap fails with ENOSPC too, and counts as a full disk', async (t) => {
  if (!requireRoot(t)) return;
  await withUid(async (uid, { disk }) => {
  const dir = await disk.limit(uid, 16 * MiB);
  const exit = await runAs(uid, MANY_FILES, [], { DIR: dir, MAX: '100000' });
  const { made, code } = JSON.parse(exit.stdout) as { made: number; code: string | null };
  t.is(code, 'ENOSPC', `made ${made} files`);
  t.true(made <= 1024, `made ${made} files on a 16 MiB disk`);
  const usage = await disk.usage(uid);
  t.true(usage!.full, JSON.stringify(usage));
  t.regex(withDiskVerdict(failed, usage).failure!.message, /disk limit reached: the function used all \d+ files/);
  });
});

test('clear unmounts the disk and deletes its image with everything the uid wrote; clearing again is harmless', async (t) => {
  if (!requireRoot(t)) return;
  await withUid(async (uid, { disk, imageDir }) => {
  const dir = await disk.limit(uid, 32 * MiB);
  const st = await stat(dir);
  t.deepEqual([st.uid, st.gid, st.mode & 0o7777], [uid, uid, 0o700], "the uid's own directory");
  const image = join(imageDir, (await images(imageDir))[0]!);
  t.deepEqual(await scratchMounts(image), [dirname(dir)]);
  const exit = await runAs(uid, WRITER, [], { FILE: join(dir, 'data'), MAX: String(8 * MiB) });
  t.is(JSON.parse(exit.stdout).code, null, exit.stdout + exit.stderr);
  t.is((await disk.usage(uid))!.full, false);
  await disk.clear(uid, true); // it left a file: deleted, never lent again
  t.deepEqual(await scratchMounts(image), []);
  t.deepEqual(await readdir(imageDir), []);
  t.is(disk.idleCount(), 0);
  t.is(await disk.usage(uid), null);
  await disk.clear(uid);
  });
});

test("a disk whose holder left nothing is lent again, and its next holder finds nothing of the first: no file, no attribute, no mode", async (t) => {
  if (!requireRoot(t)) return;
  const other = await takeUid();
  try {
    await withUid(async (uid, { disk, imageDir }) => {
      const first = await disk.limit(uid, 32 * MiB);
      // The first holder writes and deletes a secret, opens its directory to everyone and marks it.
      const exit = await runAs(uid, `const fs = require('fs'); fs.writeFileSync(process.env.DIR + '/secret', 'x'.repeat(1 << 20)); fs.unlinkSync(process.env.DIR + '/secret'); fs.chmodSync(process.env.DIR, 0o777);`, [], { DIR: first });
      t.is(exit.code, 0, exit.stderr);
      t.is(await pythonAs(uid, `import os; os.setxattr(os.environ['DIR'], 'user.secret', b'left behind'); print(os.listxattr(os.environ['DIR']))`, { DIR: first }), "['user.secret']");
      const [image] = await images(imageDir);
      await disk.clear(uid, true);
      t.is(disk.idleCount(), 1, 'an untouched disk waits for the next holder');
      t.deepEqual(await scratchMounts(join(imageDir, image!)), [dirname(first)], 'still mounted');

      const second = await disk.limit(other, 32 * MiB);
      t.deepEqual(await images(imageDir), [image], 'the same disk, lent again');
      t.is(disk.idleCount(), 0);
      const st = await stat(second);
      t.deepEqual([st.uid, st.gid, st.mode & 0o7777], [other, other, 0o700]);
      t.deepEqual(await readdir(second), []);
      t.is(await pythonAs(other, `import os; print(os.listxattr(os.environ['DIR']))`, { DIR: second }), '[]');
      t.true((await disk.usage(other))!.usedBytes < MiB, 'the deleted secret took its blocks with it');
      // Its holder can write nowhere on the disk but in its directory, so nothing else can be left.
      const outside = await runAs(other, `try { require('fs').writeFileSync(process.env.FILE, 'x'); console.log('wrote'); } catch (e) { console.log(e.code); }`, [], { FILE: join(dirname(second), 'planted') });
      t.is(outside.stdout.trim(), 'EACCES');
      // a different size is another disk
      await disk.clear(other, true);
      await disk.limit(uid, 64 * MiB);
      t.is((await images(imageDir)).length, 2);
      t.is((await disk.usage(uid))!.limitBytes, 64 * MiB);
    });
  } finally {
    await testUids.give(other);
  }
});

test('a disk is not lent again when its holder may have survived, nor once closed', async (t) => {
  if (!requireRoot(t)) return;
  await withUid(async (uid, { disk, imageDir }) => {
    await disk.limit(uid, 32 * MiB);
    await disk.clear(uid, false);
    t.deepEqual(await readdir(imageDir), []);
    await disk.limit(uid, 32 * MiB);
    await disk.clear(uid, true);
    t.is(disk.idleCount(), 1);
    await disk.close();
    t.deepEqual(await readdir(imageDir), [], 'closing deletes the idle disks');
    await t.throwsAsync(disk.limit(uid, 32 * MiB), { instanceOf: ProvisioningError });
  });
});

test("prepare removes the disks of a service process that died, and leaves a live process's alone", async (t) => {
  if (!requireRoot(t)) return;
  const [dead, live] = [await takeUid(), await takeUid()];
  const f = await fixture();
  try {
    // another "service process": makes a disk, then dies without clearing it
    const module = fileURLToPath(new URL('../../service/provisioner/local/disk-quota.js', import.meta.url));
    const script = `const { DiskQuota } = await import(${JSON.stringify(module)});
      console.log(await new DiskQuota({ imageDir: ${JSON.stringify(f.imageDir)}, reserveBytes: 0 }).limit(${dead}, 32 * 1024 * 1024));
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const deadDir = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => resolve(d.toString().trim()));
      child.once('exit', (code) => reject(new Error(`the other process exited with ${code}`)));
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const [deadImage] = await images(f.imageDir);
    t.deepEqual(await scratchMounts(join(f.imageDir, deadImage!)), [dirname(deadDir)]);

    await f.disk.limit(live, 32 * MiB); // this process is alive
    const liveImage = (await images(f.imageDir)).find((n) => n !== deadImage)!;
    const restarted = new DiskQuota({ imageDir: f.imageDir, reserveBytes: 0 });
    await Promise.all([restarted.prepare(), new DiskQuota({ imageDir: f.imageDir, reserveBytes: 0 }).prepare()]);
    t.deepEqual(await scratchMounts(join(f.imageDir, deadImage!)), []);
    t.deepEqual(await images(f.imageDir), [liveImage], "only the live process's disk is left");
    t.is((await f.disk.usage(live))!.limitBytes, 32 * MiB, 'the live disk is gone');
  } finally {
    await f.disk.clear(dead);
    await f.disk.clear(live);
    await f.disk.close();
    await testUids.give(dead);
    await testUids.give(live);
  }
});

test("fails closed: when the disk guard cannot work here, prepare says so (provider_unavailable) and names the opt-out", async (t) => {
  if (!requireRoot(t)) return;
  const disk = new DiskQuota({ imageDir: join(base, 'images-broken'), tools: { mkfs: '/nonexistent/mkfs.ext4' } });
  const err = await t.throwsAsync(disk.prepare(), { instanceOf: ProvisioningError });
  t.is((err as ProvisioningError).code, 'provider_unavailable');
  t.regex(err!.message, /disk_gb cannot be enforced: mkfs \(\/nonexistent\/mkfs.ext4\) is not installed.*diskLimit: 'off'/);
  await t.throwsAsync(disk.limit(200_999, 32 * MiB), { instanceOf: ProvisioningError }, 'limit must not run unguarded');
});

test("a disk the host cannot give while keeping its reserve is refused (retryable), and nothing is left", async (t) => {
  if (!requireRoot(t)) return;
  await withUid(async (uid, { disk, imageDir }) => {
    const err = await t.throwsAsync(disk.limit(uid, 32 * MiB), { instanceOf: ProvisioningError });
    t.is((err as ProvisioningError).code, 'quota_exceeded');
    t.true((err as ProvisioningError).retryable);
    t.regex(err!.message, /not enough disk on this machine/);
    t.deepEqual(await readdir(imageDir), []);
  }, 2 ** 52);
});

test('the verdict names the disk only when the run failed with a full disk', (t) => {
  const full = { usedBytes: 1020 * MiB, limitBytes: 1024 * MiB, usedInodes: 12, inodeLimit: 65536, full: true };
  const succeeded: RunOutcome = { ...failed, status: 'succeeded', failure: undefined, result: 1 };
  t.is(withDiskVerdict(succeeded, full), succeeded);
  t.is(withDiskVerdict(failed, { ...full, full: false }), failed);
  t.is(withDiskVerdict(failed, null), failed);
  t.is(withDiskVerdict(failed, full).failure!.message, `${failed.failure!.message} (disk limit reached: the function used 1020 MiB of 1024 MiB of its disk (disk_gb); writing more fails with ENOSPC)`);
  t.is(failed.failure!.message, 'ENOSPC: no space left on device, write', 'the outcome itself is not changed');
});
