import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { loadCodePackage } from '../../cli/code-package.js';
import { tempDir, writeTree } from './_helpers/tmp.js';

async function bytesOf(open: () => AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of open()) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

test('files are sent as they are, their format told by the name', async (t) => {
  const dir = writeTree(tempDir(), { 'a.js': 'x', 'b.mjs': 'xy', 'c.cjs': 'xyz', 'd.zip': 'PK', 'e.tar.gz': 'gz', 'F.TGZ': 'gz' });
  const cases: Array<[string, string, string, string]> = [
    ['a.js', 'js', 'a.js', 'text/javascript'],
    ['b.mjs', 'mjs', 'b.mjs', 'text/javascript'],
    ['c.cjs', 'cjs', 'c.cjs', 'text/javascript'],
    ['d.zip', 'zip', 'd.zip', 'application/zip'],
    ['e.tar.gz', 'tar.gz', 'e.tar.gz', 'application/gzip'],
    ['F.TGZ', 'tar.gz', 'F.tar.gz', 'application/gzip'],
  ];
  for (const [file, format, filename, contentType] of cases) {
    const pkg = await loadCodePackage(join(dir, file));
    t.like(pkg, { format, filename, contentType }, file);
    t.is(pkg.packed, undefined);
    t.is((await bytesOf(pkg.open)).length, pkg.size);
  }
});

test('a directory is packed into a .tar.gz named after it', async (t) => {
  const root = join(tempDir(), 'my-func');
  writeTree(root, { 'index.js': 'exports.handler = () => 1;\n', 'lib/x.js': '1\n' });
  const pkg = await loadCodePackage(root);
  t.like(pkg, { format: 'tar.gz', filename: 'my-func.tar.gz', contentType: 'application/gzip', packed: { files: 2, skipped: [] } });
  const out = join(tempDir(), 'out.tar.gz');
  writeFileSync(out, await bytesOf(pkg.open));
  t.is(pkg.size, (await bytesOf(pkg.open)).length);
  t.deepEqual(execFileSync('tar', ['-tzf', out], { encoding: 'utf8' }).trim().split('\n'), ['index.js', 'lib/', 'lib/x.js']);
});

test('missing, empty, or unknown: one clear message naming --code', async (t) => {
  await t.throwsAsync(loadCodePackage('/no/such/thing'), { name: 'CliError', message: '--code: /no/such/thing does not exist' });
  const empty = join(tempDir(), 'empty');
  mkdirSync(join(empty, '.git'), { recursive: true });
  await t.throwsAsync(loadCodePackage(empty), { message: /directory .* has no files to upload/ });
  const odd = join(writeTree(tempDir(), { 'code.py': 'print()' }), 'code.py');
  await t.throwsAsync(loadCodePackage(odd), { message: /must be a \.js, \.mjs or \.cjs file, a \.zip or \.tar\.gz archive, or a directory/ });
});
