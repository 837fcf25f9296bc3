import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync, readlinkSync, statSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { packDirectory, packTar } from '../../cli/tar-pack.js';
import { tempDir, writeTree } from './_helpers/tmp.js';

const LONG_DIR = `node_modules/${'very-long-package-name-'.repeat(4)}/lib/${'deeply-nested-'.repeat(3)}`;
const LONG_FILE = `${LONG_DIR}/index.js`;
const VERY_LONG_NAME = `${'x'.repeat(120)}.js`;

function sampleTree(): string {
  const root = writeTree(tempDir(), {
    'package.json': '{"name":"demo","main":"index.js"}\n',
    'index.js': 'exports.handler = async () => "hi";\n',
    'lib/util.js': 'module.exports = 42;\n',
    [LONG_FILE]: 'module.exports = "long";\n',
    [VERY_LONG_NAME]: 'long base name\n',
    'data/ünïcödé.txt': 'utf-8 name\n',
    '.git/HEAD': 'ref: refs/heads/main\n',
    '.fnstack/credentials.json': '{"api_key":"secret"}\n',
    'empty.txt': '',
  });
  mkdirSync(join(root, 'node_modules/.bin'), { recursive: true });
  symlinkSync('../dep/cli.js', join(root, 'node_modules/.bin/dep'));
  writeTree(root, { 'node_modules/dep/cli.js': '#!/usr/bin/env node\n' });
  chmodSync(join(root, 'node_modules/dep/cli.js'), 0o755);
  symlinkSync('/etc/passwd', join(root, 'outside-link'));
  return root;
}

test('a packed directory lists with tar -tzf: nested, long and unicode names, no .git/.fnstack', async (t) => {
  const root = sampleTree();
  const pack = await packDirectory(root);
  const archive = join(tempDir(), 'code.tar.gz');
  writeFileSync(archive, pack.archive);
  const listed = execFileSync('tar', ['-tzf', archive], { encoding: 'utf8' }).split('\n').filter(Boolean);

  for (const path of ['package.json', 'index.js', 'lib/', 'lib/util.js', LONG_FILE, VERY_LONG_NAME, 'data/ünïcödé.txt', 'empty.txt', 'node_modules/.bin/dep']) {
    t.true(listed.includes(path), `${path} missing from ${listed.join(', ')}`);
  }
  t.false(listed.some((p) => p.startsWith('.git') || p.startsWith('.fnstack')), 'private directories must not be packed');
  t.false(listed.includes('outside-link'));
  t.deepEqual(pack.skipped, ['outside-link']);
  t.is(pack.files, 8);
});

test('round trip: tar -xzf restores contents, modes and in-tree links', async (t) => {
  const root = sampleTree();
  const archive = join(tempDir(), 'code.tar.gz');
  writeFileSync(archive, (await packDirectory(root)).archive);
  const out = tempDir();
  execFileSync('tar', ['-xzf', archive, '-C', out]);

  for (const path of ['package.json', 'index.js', 'lib/util.js', LONG_FILE, VERY_LONG_NAME, 'data/ünïcödé.txt', 'empty.txt']) {
    t.deepEqual(readFileSync(join(out, path)), readFileSync(join(root, path)), path);
  }
  t.is(statSync(join(out, 'node_modules/dep/cli.js')).mode & 0o777, 0o755);
  t.is(readlinkSync(join(out, 'node_modules/.bin/dep')), '../dep/cli.js');
});

test('the same tree packs to the same bytes', async (t) => {
  const root = sampleTree();
  t.deepEqual((await packDirectory(root)).archive, (await packDirectory(root)).archive);
});

test('the raw archive is whole 512-byte blocks ending in two zero blocks, with valid checksums', (t) => {
  const tar = packTar([{ path: 'a.txt', type: 'file', mode: 0o644, mtime: 1_700_000_000, data: Buffer.from('hello') }]);
  t.is(tar.length % 512, 0);
  t.is(tar.length, 512 + 512 + 1024);
  t.true(tar.subarray(-1024).every((b) => b === 0));
  const header = tar.subarray(0, 512);
  const stored = parseInt(header.subarray(148, 154).toString('ascii'), 8);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : header[i]!;
  t.is(stored, sum);
  t.is(header.subarray(257, 263).toString('ascii'), 'ustar\u0000');
  t.is(tar.subarray(512, 517).toString(), 'hello');
});
