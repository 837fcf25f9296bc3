/**
 * Archives are unpacked by a process that runs as the unpack uid with no capability, and the
 * service takes the result over: nothing in the cache stays owned by that uid, whether the
 * package is accepted or refused.
 */
import test from 'ava';
import { chown, lstat, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CodeCache } from '../../service/code/code-cache.js';
import { inspectPackage } from '../../service/code/inspect-package.js';
import { unpackIsolated } from '../../service/code/isolated-unpack.js';
import { loadConfig } from '../../service/config.js';
import { ConfigError } from '../../service/errors.js';
import type { CodeStore } from '../../service/store/code-store.js';
import { makeTarGz, makeZip } from '../_helpers/archives.js';

const limits = { maxUnpackedBytes: 1024 * 1024, maxEntries: 50 };
const asRoot = process.getuid?.() === 0;
const UID = 199_997;

async function walk(dir: string): Promise<Array<{ path: string; uid: number; gid: number; mode: number; kind: string }>> {
  const out = [];
  for (const name of await readdir(dir)) {
    const p = join(dir, name);
    const st = await lstat(p);
    out.push({ path: p, uid: st.uid, gid: st.gid, mode: st.mode & 0o7777, kind: st.isSymbolicLink() ? 'link' : st.isDirectory() ? 'dir' : 'file' });
    if (st.isDirectory()) out.push(...(await walk(p)));
  }
  return out;
}

test('the unpacker runs as the unpack uid, without groups or capabilities, inside a directory it cannot reach by path', async (t) => {
  if (!asRoot) return void (t.log('SKIPPED: the service is not root, there is nothing to drop'), t.pass());
  const closed = await mkdtemp(join(tmpdir(), 'fnstack-unpack-')); // 0700 root: the uid cannot enter it
  const scratch = join(closed, 'scratch');
  await mkdir(scratch, { mode: 0o700 });
  await chown(scratch, UID, UID);
  try {
    const out = await unpackIsolated(await makeTarGz([{ name: 'index.js', data: 'x' }]), 'tar.gz', scratch, limits, { uid: UID, gid: UID });
    t.like(out.ranAs, { uid: UID, gid: UID, capEff: '0000000000000000' });
    t.deepEqual(out.ranAs.groups.filter((g) => g !== UID), [], 'no supplementary group (Node lists the gid itself)');
    t.is(out.entries, 1);
    t.is((await lstat(join(scratch, 'index.js'))).uid, UID, 'written by the unpack uid, before the service takes it over');
  } finally {
    await rm(closed, { recursive: true, force: true });
  }
});

/** A fresh code cache (in a 0700 directory) that unpacks as UID. */
async function withCache(run: (dir: string, cache: CodeCache) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'fnstack-unpack-'));
  try {
    await run(dir, new CodeCache(dir, {} as CodeStore, limits, UID));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('an accepted archive is root-owned and read-only in the cache; nothing is owned by the unpack uid', (t) =>
  withCache(async (dir, cache) => {
    const zip = makeZip([{ name: 'lib/' }, { name: 'lib/app.js', data: 'module.exports.main = () => 1' }, { name: 'alias.js', data: 'lib/app.js', symlink: true }]);
    await inspectPackage(zip, 'fn.zip', 'lib/app.main', limits, cache);
    const tgz = await makeTarGz([{ name: 'index.js', data: 'x' }, { name: 'copy.js', type: 'link', linkname: 'index.js' }]);
    await inspectPackage(tgz, 'fn.tar.gz', 'index.handler', limits, cache);
    const entries = await walk(dir);
    const me = process.getuid!();
    t.deepEqual(entries.filter((e) => e.uid !== me || e.gid !== process.getgid!()), [], 'every entry belongs to the service');
    t.deepEqual(entries.filter((e) => e.kind === 'file' && e.mode !== 0o444), [], 'files are 0444');
    t.deepEqual(entries.filter((e) => e.kind === 'dir' && e.mode !== 0o755), [], 'directories are 0755');
    t.is(entries.filter((e) => e.kind === 'link').length, 1);
  }));

test('a refused archive leaves nothing, owned by the unpack uid or anyone', (t) =>
  withCache(async (dir, cache) => {
    const zip = makeZip([{ name: 'index.js', data: 'x' }, { name: 'lib/a.js', data: 'a' }, { name: 'up', data: '..', symlink: true }]);
    await t.throwsAsync(inspectPackage(zip, 'fn.zip', 'index.handler', limits, cache), { message: /link 'up' points outside/ });
    t.deepEqual(await readdir(dir), []);
  }));

test('the unpack uid is a configuration key, and root is refused', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'fnstack-unpack-config-'));
  const env = { FNSTACK_DATA_DIR: dataDir, FNSTACK_SECRETS_KEY: 'a'.repeat(64) };
  try {
    t.is(loadConfig(env).code.unpackUid, 199_999);
    t.is(loadConfig({ ...env, FNSTACK_CODE_UNPACK_UID: '4242' }).code.unpackUid, 4242);
    const err = t.throws(() => loadConfig({ ...env, FNSTACK_CODE_UNPACK_UID: '0' }));
    t.true(err instanceof ConfigError);
    t.is((err as ConfigError).key, 'code_unpack_uid');
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
