/**
 * The filesystem half of the unpacker's rule, on its own: links that are already on disk
 * (here made by the test, unknown to the archive's EntryTree) are never followed.
 */
import test from 'ava';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NoFollowTree } from '../../service/code/safe-fs.js';

async function setup() {
  const root = await mkdtemp(join(tmpdir(), 'fnstack-safe-fs-'));
  const base = join(root, 'base');
  const outside = join(root, 'outside');
  await mkdir(base);
  await mkdir(outside);
  await writeFile(join(outside, 'secret'), 'secret', { mode: 0o600 });
  await symlink(outside, join(base, 'l'));
  await writeFile(join(base, 'f'), 'f');
  return { root, base, outside, fs: new NoFollowTree(base), done: () => rm(root, { recursive: true, force: true }) };
}

test('no entry is made through a link or a file already on disk', async (t) => {
  const s = await setup();
  try {
    await t.throwsAsync(s.fs.openNewFile('l/x'), { message: /goes through the link 'l'/ });
    await t.throwsAsync(s.fs.openNewFile('l/deeper/x'), { message: /goes through the link 'l'/ });
    await t.throwsAsync(s.fs.makeDir('l/d'), { message: /goes through the link 'l'/ });
    await t.throwsAsync(s.fs.makeDir('l'), { message: /goes through the link 'l'/ });
    await t.throwsAsync(s.fs.makeSymlink('l/s', '.'), { message: /goes through the link 'l'/ });
    await t.throwsAsync(s.fs.makeHardLink('h', 'l/secret'), { message: /goes through the link 'l'/ });
    await t.throwsAsync(s.fs.makeHardLink('h', 'l'), { message: /not a file/ });
    await t.throwsAsync(s.fs.openNewFile('f/x'), { message: /not a directory/ });
    t.deepEqual(await readdir(s.outside), ['secret']);
  } finally {
    await s.done();
  }
});

test('an existing name is never written through, link or not', async (t) => {
  const s = await setup();
  try {
    await t.throwsAsync(s.fs.openNewFile('l'), { message: /appears twice/ });
    await t.throwsAsync(s.fs.openNewFile('f'), { message: /appears twice/ });
    await t.throwsAsync(s.fs.makeSymlink('f', 'x'), { message: /appears twice/ });
    t.deepEqual(await readdir(s.outside), ['secret']);
  } finally {
    await s.done();
  }
});
