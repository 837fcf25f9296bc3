/**
 * The filesystem half of the unpacker's rule, on its own: links that are already on disk
 * (here made by the test, unknown to the archive's EntryTree) are never followed.
 */
import test from 'ava';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeDir, makeHardLink, makeSymlink, openNewFile } from '../../service/code/safe-fs.js';

async function setup() {
  const root = await mkdtemp(join(tmpdir(), 'fnstack-safe-fs-'));
  const base = join(root, 'base');
  const outside = join(root, 'outside');
  await mkdir(base);
  await mkdir(outside);
  await writeFile(join(outside, 'secret'), 'secret', { mode: 0o600 });
  await symlink(outside, join(base, 'l'));
  await writeFile(join(base, 'f'), 'f');
  return { root, base, outside, done: () => rm(root, { recursive: true, force: true }) };
}

test('no entry is made through a link or a file already on disk', async (t) => {
  const s = await setup();
  try {
    await t.throwsAsync(openNewFile(s.base, 'l/x'), { message: /goes through the link 'l'/ });
    await t.throwsAsync(openNewFile(s.base, 'l/deeper/x'), { message: /goes through the link 'l'/ });
    await t.throwsAsync(makeDir(s.base, 'l/d'), { message: /goes through the link 'l'/ });
    await t.throwsAsync(makeDir(s.base, 'l'), { message: /goes through the link 'l'/ });
    await t.throwsAsync(makeSymlink(s.base, 'l/s', '.'), { message: /goes through the link 'l'/ });
    await t.throwsAsync(makeHardLink(s.base, 'h', 'l/secret'), { message: /goes through the link 'l'/ });
    await t.throwsAsync(makeHardLink(s.base, 'h', 'l'), { message: /not a file/ });
    await t.throwsAsync(openNewFile(s.base, 'f/x'), { message: /not a directory/ });
    t.deepEqual(await readdir(s.outside), ['secret']);
  } finally {
    await s.done();
  }
});

test('an existing name is never written through, link or not', async (t) => {
  const s = await setup();
  try {
    await t.throwsAsync(openNewFile(s.base, 'l'), { message: /appears twice/ });
    await t.throwsAsync(openNewFile(s.base, 'f'), { message: /appears twice/ });
    await t.throwsAsync(makeSymlink(s.base, 'f', 'x'), { message: /appears twice/ });
    t.deepEqual(await readdir(s.outside), ['secret']);
  } finally {
    await s.done();
  }
});
