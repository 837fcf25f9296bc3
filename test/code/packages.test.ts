import test from 'ava';
import { mkdtemp, readFile, readdir, lstat, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspectPackage } from '../../service/code/inspect-package.js';
import { CodeCache } from '../../service/code/code-cache.js';
import { ApiError } from '../../service/errors.js';
import type { CodeStore } from '../../service/store/code-store.js';
import { makeTarGz, makeZip } from '../_helpers/archives.js';

const limits = { maxUnpackedBytes: 1024 * 1024, maxEntries: 50 };

async function cache() {
  const dir = await mkdtemp(join(tmpdir(), 'fnstack-code-'));
  // The cache is filled from uploads here; the store is only read on other machines.
  return { dir, cache: new CodeCache(dir, {} as CodeStore, limits), cleanup: () => rm(dir, { recursive: true, force: true }) };
}

async function rejects(t: import('ava').ExecutionContext, blob: Buffer, name: string, handler: string, pattern: RegExp, packageIsValid = false) {
  const c = await cache();
  try {
    const err = await t.throwsAsync(inspectPackage(blob, name, handler, limits, c.cache));
    t.true(err instanceof ApiError, String(err));
    t.is((err as ApiError).code === 'invalid_code_package' || (err as ApiError).code === 'invalid_request', true);
    t.regex(err!.message, pattern);
    // A valid archive with a wrong handler stays in the content-addressed cache; anything unsafe leaves nothing.
    if (!packageIsValid) t.deepEqual((await readdir(c.dir).catch(() => [])), [], 'nothing is left behind');
    t.deepEqual((await readdir(c.dir).catch(() => [])).filter((f) => f.startsWith('.')), [], 'no scratch directory is left behind');
  } finally {
    await c.cleanup();
  }
}

test('a single .js file is accepted and unpacked under its own name', async (t) => {
  const c = await cache();
  const ref = await inspectPackage(Buffer.from('exports.handler = () => 1'), 'hello.js', 'hello.handler', limits, c.cache);
  t.is(ref.format, 'js');
  t.is(ref.fileName, 'hello.js');
  t.is(await readFile(join(c.cache.dirOf(ref.sha256), 'hello.js'), 'utf8'), 'exports.handler = () => 1');
  await c.cleanup();
});

test('a zip with package.json and node_modules is unpacked read-only', async (t) => {
  const c = await cache();
  const zip = makeZip([
    { name: 'package.json', data: '{"name":"x"}' },
    { name: 'lib/' },
    { name: 'lib/app.js', data: 'module.exports.main = () => 1' },
    { name: 'node_modules/dep/index.js', data: 'module.exports = 1' },
    { name: 'link-inside', data: 'lib/app.js', symlink: true },
  ]);
  const ref = await inspectPackage(zip, 'fn.zip', 'lib/app.main', limits, c.cache);
  const dir = c.cache.dirOf(ref.sha256);
  t.is(await readFile(join(dir, 'node_modules/dep/index.js'), 'utf8'), 'module.exports = 1');
  t.true((await lstat(join(dir, 'link-inside'))).isSymbolicLink());
  t.is((await lstat(join(dir, 'lib/app.js'))).mode & 0o777, 0o444);
  await c.cleanup();
});

test('a tar.gz is accepted, with hard links inside the tree', async (t) => {
  const c = await cache();
  const tgz = await makeTarGz([
    { name: 'package/', type: 'directory' },
    { name: 'package/index.mjs', data: 'export const handler = () => 1' },
    { name: 'package/copy.mjs', type: 'link', linkname: 'package/index.mjs' },
  ]);
  const ref = await inspectPackage(tgz, 'fn.tar.gz', 'package/index.handler', limits, c.cache);
  t.is(ref.format, 'tar.gz');
  t.is(await readFile(join(c.cache.dirOf(ref.sha256), 'package/copy.mjs'), 'utf8'), 'export const handler = () => 1');
  await c.cleanup();
});

test('zip: path traversal is rejected', (t) => rejects(t, makeZip([{ name: 'index.js', data: '' }, { name: '../../evil.js', data: 'x' }]), 'a.zip', 'index.handler', /outside the package/));
test('zip: absolute path is rejected', (t) => rejects(t, makeZip([{ name: '/etc/evil', data: 'x' }]), 'a.zip', 'index.handler', /absolute path/));
test('zip: a symlink pointing outside is rejected', (t) => rejects(t, makeZip([{ name: 'index.js', data: '' }, { name: 'leak', data: '/etc/passwd', symlink: true }]), 'a.zip', 'index.handler', /outside the package/));
test('zip: a relative symlink climbing out is rejected', (t) => rejects(t, makeZip([{ name: 'a/leak', data: '../../x', symlink: true }]), 'a.zip', 'index.handler', /outside the package/));
test('zip: too many entries are rejected', (t) => rejects(t, makeZip(Array.from({ length: 60 }, (_, i) => ({ name: `f${i}.js`, data: '' }))), 'a.zip', 'f1.handler', /entries/));
test('zip: a bomb (unpacked size over the cap) is rejected', (t) => rejects(t, makeZip([{ name: 'index.js', data: Buffer.alloc(5 * 1024 * 1024) }]), 'a.zip', 'index.handler', /unpacked size|limit/));
test('zip: headers that lie about the size are rejected', (t) =>
  rejects(t, makeZip([{ name: 'index.js', data: Buffer.alloc(4096, 1), declaredSize: 10 }]), 'a.zip', 'index.handler', /damaged|size/));
test('zip: a handler that does not exist is rejected', (t) => rejects(t, makeZip([{ name: 'index.js', data: '' }]), 'a.zip', 'main.handler', /handler 'main.handler' not found/, true));
test('zip: garbage named .zip is rejected', (t) => rejects(t, Buffer.from('PK\x03\x04garbage'), 'a.zip', 'index.handler', /zip/));
test('tar.gz: traversal is rejected', async (t) => rejects(t, await makeTarGz([{ name: '../evil.js', data: 'x' }]), 'a.tar.gz', 'index.handler', /outside the package/));
test('tar.gz: symlink out is rejected', async (t) => rejects(t, await makeTarGz([{ name: 'x', type: 'symlink', linkname: '/etc/passwd' }]), 'a.tar.gz', 'index.handler', /absolute path|outside/));
test('tar.gz: device files are rejected', async (t) => rejects(t, await makeTarGz([{ name: 'dev', type: 'character-device' }]), 'a.tar.gz', 'index.handler', /only files, directories and links/));
test('tar.gz: a bomb is rejected', async (t) => rejects(t, await makeTarGz([{ name: 'index.js', data: Buffer.alloc(3 * 1024 * 1024) }]), 'a.tar.gz', 'index.handler', /unpacked size/));
test('a name that does not match the content is rejected', (t) => rejects(t, makeZip([{ name: 'index.js', data: '' }]), 'index.js', 'index.handler', /holds an archive/));
test('an unknown extension is rejected', (t) => rejects(t, Buffer.from('x'), 'index.py', 'index.handler', /cannot tell the format/));
test('a malformed handler is rejected', (t) => rejects(t, Buffer.from('x'), 'index.js', 'index', /FILE.EXPORT/));
test('a handler climbing out is rejected', (t) => rejects(t, Buffer.from('x'), 'index.js', '../index.handler', /inside the package|FILE.EXPORT/));

