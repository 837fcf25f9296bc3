/**
 * The credentials file is written whole or not at all: the API answers before it is written
 * (its URL is known only once it listens), and a client polling the API then reading the file
 * must never see half of it, nor a file another user could read.
 */
import { mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, readSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { writeCredentials, type Credentials } from '../../service/auth/bootstrap.js';

const creds = (endpoint: string): Credentials => ({ endpoint, api_key: 'fns_' + 'k'.repeat(40), account: 'admin', project: 'admin' });

test('a rewrite replaces the file whole: a reader of the old one still reads all of the old one', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fnstack-creds-'));
  const path = join(dir, 'credentials.json');
  await writeCredentials(path, creds('http://127.0.0.1:1'));
  const oldFd = openSync(path, 'r');
  await writeCredentials(path, creds('http://127.0.0.1:2'));
  // Written in place, the old descriptor would see the new bytes (or a truncated file).
  const buf = Buffer.alloc(4096);
  const n = readSync(oldFd, buf, 0, buf.length, 0);
  t.is((JSON.parse(buf.subarray(0, n).toString('utf8')) as Credentials).endpoint, 'http://127.0.0.1:1');
  t.is((JSON.parse(readFileSync(path, 'utf8')) as Credentials).endpoint, 'http://127.0.0.1:2');
  t.is(statSync(path).mode & 0o777, 0o600);
  t.deepEqual(readdirSync(dir), ['credentials.json'], 'no temporary file is left');
});

test('a file that was readable by others comes back 0600', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fnstack-creds-'));
  const path = join(dir, 'credentials.json');
  writeFileSync(path, '{}', { mode: 0o644 });
  await writeCredentials(path, creds('http://127.0.0.1:3'));
  t.is(statSync(path).mode & 0o777, 0o600);
});

test('a failed write leaves nothing behind and says why', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fnstack-creds-'));
  // The target is a directory: the rename fails after the temporary file was written.
  const path = join(dir, 'credentials.json');
  writeFileSync(join(dir, 'keep'), 'x');
  mkdirSync(path);
  writeFileSync(join(path, 'occupied'), 'x');
  const err = await t.throwsAsync<NodeJS.ErrnoException>(writeCredentials(path, creds('http://127.0.0.1:4')));
  t.regex(String(err?.code), /EISDIR|ENOTEMPTY|EEXIST/);
  t.deepEqual(readdirSync(dir).sort(), ['credentials.json', 'keep']);
});
