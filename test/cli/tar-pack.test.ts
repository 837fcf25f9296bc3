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

function listedOf(archive: Buffer): string[] {
  const file = join(tempDir(), 'code.tar.gz');
  writeFileSync(file, archive);
  return execFileSync('tar', ['-tzf', file], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

test('.fnstackignore leaves out what it names (gitignore syntax, negation included)', async (t) => {
  const root = writeTree(tempDir(), {
    '.fnstackignore': '# local only\n*.log\ntest/\n/secrets.json\n!keep.log\n',
    'index.js': 'exports.handler = () => 1;\n',
    'debug.log': 'x',
    'keep.log': 'kept',
    'lib/trace.log': 'x',
    'test/a.test.js': 'x',
    'secrets.json': '{}',
    'lib/secrets.json': '{}',
  });
  const pack = await packDirectory(root);
  const listed = listedOf(pack.archive);
  for (const path of ['index.js', 'keep.log', 'lib/secrets.json', '.fnstackignore']) t.true(listed.includes(path), `${path} missing from ${listed.join(', ')}`);
  for (const path of ['debug.log', 'lib/trace.log', 'test/', 'test/a.test.js', 'secrets.json']) t.false(listed.includes(path), `${path} packed`);
  t.is(pack.ignored, 4);
});

test('packages only devDependencies need stay out, as npm\'s lockfile marks them', async (t) => {
  const root = writeTree(tempDir(), {
    'package.json': JSON.stringify({ name: 'x', dependencies: { left: '1' }, devDependencies: { ava: '1' } }),
    'package-lock.json': JSON.stringify({
      lockfileVersion: 3,
      packages: {
        '': { name: 'x' },
        'node_modules/left': { version: '1.0.0' },
        'node_modules/ava': { version: '1.0.0', dev: true },
        'node_modules/ava-helper': { version: '1.0.0', dev: true },
        'node_modules/shared': { version: '1.0.0' },
      },
    }),
    'index.js': 'exports.handler = () => 1;\n',
    'node_modules/left/index.js': 'x',
    'node_modules/shared/index.js': 'x',
    'node_modules/ava/index.js': 'x',
    'node_modules/ava-helper/index.js': 'x',
  });
  const pack = await packDirectory(root);
  const listed = listedOf(pack.archive);
  t.true(listed.includes('node_modules/left/index.js'));
  t.true(listed.includes('node_modules/shared/index.js'), 'a package prod code needs stays');
  t.false(listed.some((p) => p.startsWith('node_modules/ava')), listed.join(', '));
  t.is(pack.devPackages, 2);
});

test('without a lockfile, top-level packages named only in devDependencies stay out', async (t) => {
  const root = writeTree(tempDir(), {
    'package.json': JSON.stringify({ name: 'x', dependencies: { both: '1', left: '1' }, devDependencies: { both: '1', typescript: '5' } }),
    'index.js': 'exports.handler = () => 1;\n',
    'node_modules/left/index.js': 'x',
    'node_modules/both/index.js': 'x',
    'node_modules/typescript/index.js': 'x',
  });
  const listed = listedOf((await packDirectory(root)).archive);
  t.true(listed.includes('node_modules/left/index.js'));
  t.true(listed.includes('node_modules/both/index.js'));
  t.false(listed.some((p) => p.startsWith('node_modules/typescript')));
});
