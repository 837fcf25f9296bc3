/**
 * disk_gb is enforced (item 9 of the adversarial review: a 1 GB function wrote 2 GiB). The
 * sandbox's writable directory is a filesystem of the declared size: writing past it fails
 * with ENOSPC inside the function, the usage read afterwards says the limit was reached, and
 * nothing the uid wrote outlives `clear`. Attacks run as a real sandbox uid on the real kernel.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
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
  /** Stands for the sandbox's tmp/: the directory the disk is mounted on. */
  dir: string;
  disk: DiskQuota;
}

/** A fresh image dir and an empty sandbox directory. */
async function fixture(reserveBytes = 0): Promise<Fixture> {
  const id = randomBytes(4).toString('hex');
  const imageDir = join(base, `images-${id}`);
  const dir = join(base, `sandbox-${id}`, 'tmp');
  await mkdir(dir, { recursive: true, mode: 0o711 });
  return { imageDir, dir, disk: new DiskQuota({ imageDir, reserveBytes }) };
}

/** Runs `fn` with a test uid and a fixture; clears the uid's disks and gives the uid back whatever happens. */
async function withUid(fn: (uid: number, f: Fixture) => Promise<void>, reserveBytes = 0): Promise<void> {
  const uid = await takeUid();
  const f = await fixture(reserveBytes);
  try {
    await fn(uid, f);
  } finally {
    await f.disk.clear(uid);
    await testUids.give(uid);
  }
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
  await withUid(async (uid, { disk, dir }) => {
  await disk.limit(uid, 1 * GiB, dir);
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
  await withUid(async (uid, { disk, dir }) => {
  await disk.limit(uid, 16 * MiB, dir);
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
  await withUid(async (uid, { disk, dir, imageDir }) => {
  await disk.limit(uid, 32 * MiB, dir);
  const image = join(imageDir, (await readdir(imageDir)).find((n) => n.endsWith('.img'))!);
  t.deepEqual(await scratchMounts(image), [dir]);
  const exit = await runAs(uid, WRITER, [], { FILE: join(dir, 'data'), MAX: String(8 * MiB) });
  t.is(JSON.parse(exit.stdout).code, null, exit.stdout + exit.stderr);
  t.is((await disk.usage(uid))!.full, false);
  await disk.clear(uid);
  t.deepEqual(await scratchMounts(image), []);
  t.deepEqual(await readdir(imageDir), []);
  t.deepEqual(await readdir(dir), [], 'the sandbox directory is an empty mount point again');
  t.is(await disk.usage(uid), null);
  await disk.clear(uid);
  });
});

test("the next holder of a uid starts from an empty disk: limit removes what the previous one left", async (t) => {
  if (!requireRoot(t)) return;
  await withUid(async (uid, first) => {
    const second = join(base, `sandbox-next-${randomBytes(4).toString('hex')}`);
    await mkdir(second, { mode: 0o711 });
    const next = new DiskQuota({ imageDir: first.imageDir, reserveBytes: 0 });
    await first.disk.limit(uid, 32 * MiB, first.dir);
    t.is(JSON.parse((await runAs(uid, WRITER, [], { FILE: join(first.dir, 'secret'), MAX: String(MiB) })).stdout).written, MiB);
    await next.limit(uid, 32 * MiB, second);
    t.deepEqual(await readdir(first.dir), [], 'the earlier disk is still mounted');
    t.deepEqual(await readdir(second), [], 'the new disk is not empty');
    t.is((await readdir(first.imageDir)).filter((n) => n.endsWith('.img')).length, 1);
  });
});

test("prepare removes the disks of a service process that died, and leaves a live process's alone", async (t) => {
  if (!requireRoot(t)) return;
  const [dead, live] = [await takeUid(), await takeUid()];
  const f = await fixture();
  const liveDir = join(base, `sandbox-live-${randomBytes(4).toString('hex')}`);
  await mkdir(liveDir, { mode: 0o700 });
  try {
    // another "service process": makes a disk, then dies without clearing it
    const module = fileURLToPath(new URL('../../service/provisioner/local/disk-quota.js', import.meta.url));
    const script = `const { DiskQuota } = await import(${JSON.stringify(module)});
      await new DiskQuota({ imageDir: ${JSON.stringify(f.imageDir)}, reserveBytes: 0 }).limit(${dead}, 32 * 1024 * 1024, ${JSON.stringify(f.dir)});
      console.log('ready'); setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      child.once('exit', (code) => reject(new Error(`the other process exited with ${code}`)));
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const image = join(f.imageDir, (await readdir(f.imageDir)).find((n) => n.endsWith('.img'))!);
    t.deepEqual(await scratchMounts(image), [f.dir]);

    await f.disk.limit(live, 32 * MiB, liveDir); // this process is alive
    const restarted = new DiskQuota({ imageDir: f.imageDir, reserveBytes: 0 });
    await Promise.all([restarted.prepare(), new DiskQuota({ imageDir: f.imageDir, reserveBytes: 0 }).prepare()]);
    t.deepEqual(await scratchMounts(image), []);
    t.false((await readdir(f.imageDir)).some((n) => n.startsWith(`${dead}-`)));
    t.is((await f.disk.usage(live))!.limitBytes, 32 * MiB, 'the live disk is gone');
    t.is((await readdir(f.imageDir)).filter((n) => n.startsWith(`${live}-`)).length, 2);
  } finally {
    await f.disk.clear(dead);
    await f.disk.clear(live);
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
  await t.throwsAsync(disk.limit(200_999, 32 * MiB, base), { instanceOf: ProvisioningError }, 'limit must not run unguarded');
});

test("a disk the host cannot give while keeping its reserve is refused (retryable), and nothing is left", async (t) => {
  if (!requireRoot(t)) return;
  await withUid(async (uid, { disk, dir, imageDir }) => {
    const err = await t.throwsAsync(disk.limit(uid, 32 * MiB, dir), { instanceOf: ProvisioningError });
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
