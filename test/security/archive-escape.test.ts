/**
 * Attacks on archive unpacking (the service unpacks as root): links an archive creates itself
 * must never carry a later entry — a file, a directory, a hard link — out of the package.
 * Every package also holds a valid handler, so the only reason to refuse it is the attack.
 * Each attack is run against the real unpacking (CodeCache) and some through the REST API.
 */
import test, { type ExecutionContext } from 'ava';
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { inspectPackage } from '../../service/code/inspect-package.js';
import { CodeCache } from '../../service/code/code-cache.js';
import { ApiError } from '../../service/errors.js';
import type { CodeStore } from '../../service/store/code-store.js';
import { makeTarGz, makeZip, type TarEntry, type ZipEntry } from '../_helpers/archives.js';
import { functionForm, RUNTIME, startTestService } from '../_helpers/service.js';

type Entry = { name: string; file?: string } | { name: string; dir: true } | { name: string; symlink: string } | { name: string; hardlink: string };
type Format = 'zip' | 'tar.gz';

const limits = { maxUnpackedBytes: 1024 * 1024, maxEntries: 200 };
const HANDLER = { name: 'index.js', file: 'exports.handler = () => 1' };

async function archive(format: Format, entries: Entry[]): Promise<{ blob: Buffer; fileName: string }> {
  if (format === 'zip') {
    const zip: ZipEntry[] = entries.map((e) => {
      if ('symlink' in e) return { name: e.name, data: e.symlink, symlink: true };
      if ('dir' in e) return { name: e.name.endsWith('/') ? e.name : `${e.name}/` };
      if ('hardlink' in e) throw new Error('zip has no hard links');
      return { name: e.name, data: e.file ?? '' };
    });
    return { blob: makeZip(zip), fileName: 'fn.zip' };
  }
  const tar: TarEntry[] = entries.map((e) => {
    if ('symlink' in e) return { name: e.name, type: 'symlink', linkname: e.symlink };
    if ('hardlink' in e) return { name: e.name, type: 'link', linkname: e.hardlink };
    if ('dir' in e) return { name: e.name, type: 'directory' };
    return { name: e.name, data: e.file ?? '' };
  });
  return { blob: await makeTarGz(tar), fileName: 'fn.tar.gz' };
}

/**
 * A host in miniature: `<host>/cache` is the code cache, `<host>/secret` a root-only file
 * (0600) with unique content. After an attack `<host>` must hold nothing else.
 */
async function miniHost() {
  const host = await mkdtemp(join(tmpdir(), 'fnstack-escape-'));
  const cacheRoot = join(host, 'cache');
  await mkdir(cacheRoot, { mode: 0o700 });
  const secret = join(host, 'secret');
  const secretText = `root-only ${randomBytes(16).toString('hex')}`;
  await writeFile(secret, secretText, { mode: 0o600 });
  await chmod(secret, 0o600);
  return { host, cacheRoot, secret, secretText, cache: new CodeCache(cacheRoot, {} as CodeStore, limits) };
}

type MiniHost = Awaited<ReturnType<typeof miniHost>>;

const tag = () => `esc${randomBytes(4).toString('hex')}`;
const ancestors = (p: string): string[] => (p === '/' ? ['/'] : [p, ...ancestors(dirname(p))]);

/**
 * `a/<t>0 -> ..`, `a/<t>0/<t>1 -> ..`, `a/<t>0/<t>1/<t>2 -> ..`, …: each link passes a textual
 * check, yet followed for real every one climbs a level. `top` names `/` when `levels` is at
 * least the depth of the unpack directory.
 */
function climbingChain(t: string, levels: number): { entries: Entry[]; top: string } {
  const entries: Entry[] = [];
  let path = 'a';
  for (let i = 0; i <= levels; i++) {
    path = `${path}/${t}${i}`;
    entries.push({ name: path, symlink: '..' });
  }
  return { entries, top: path };
}

/** Links named `<t>N` that a chain managed to create outside `inside` (removed again). */
async function strayLinks(t: string, inside: string, levels: number): Promise<string[]> {
  const found: string[] = [];
  for (const dir of ancestors(inside)) {
    for (let i = 0; i <= levels; i++) {
      const p = join(dir, `${t}${i}`);
      if ((await lstat(p).catch(() => null))?.isSymbolicLink()) {
        found.push(p);
        await unlink(p);
      }
    }
  }
  return found;
}

async function refused(t: ExecutionContext, attempt: Promise<unknown>, pattern: RegExp): Promise<void> {
  const err = await t.throwsAsync(attempt);
  t.true(err instanceof ApiError, String(err));
  t.is((err as ApiError).code, 'invalid_code_package');
  t.is((err as ApiError).status, 422);
  t.is((err as ApiError).field, 'code');
  t.regex(err!.message, pattern);
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

async function holdsText(dir: string, text: string): Promise<string[]> {
  const hits: string[] = [];
  for (const f of await filesUnder(dir)) if ((await readFile(f, 'utf8')).includes(text)) hits.push(f);
  return hits;
}

/** Unpacks `entries` in a mini host; expects a refusal matching `pattern` and a host unchanged. */
async function attack(t: ExecutionContext, format: Format, build: (h: MiniHost) => Entry[], pattern: RegExp, chain?: { tag: string; levels: number }) {
  const h = await miniHost();
  try {
    const { blob, fileName } = await archive(format, build(h));
    await refused(t, inspectPackage(blob, fileName, 'index.handler', limits, h.cache), pattern);
    if (chain) t.deepEqual(await strayLinks(chain.tag, h.cacheRoot, chain.levels), [], 'no link was created outside the package');
    t.deepEqual((await readdir(h.host)).sort(), ['cache', 'secret'], 'nothing appeared next to the cache');
    t.deepEqual(await readdir(h.cacheRoot), [], 'a refused package leaves nothing in the cache');
    const s = await stat(h.secret);
    t.is(s.mode & 0o7777, 0o600, 'the host file keeps its mode');
    t.is(await readFile(h.secret, 'utf8'), h.secretText);
  } finally {
    if (chain) await strayLinks(chain.tag, h.cacheRoot, chain.levels);
    await rm(h.host, { recursive: true, force: true });
  }
}

/** Levels a chain climbs from `<cacheRoot>/<scratch>` to `/`, plus some to spare. */
const levelsFrom = (cacheRoot: string) => ancestors(cacheRoot).length + 2;

/** A climbing chain deep enough to reach `/`, then `last`, named through the top of the chain. */
function chainAttack(t: ExecutionContext, format: Format, last: (top: string, h: MiniHost) => Entry) {
  const chain = { tag: tag(), levels: 0 };
  return attack(
    t,
    format,
    (h) => {
      chain.levels = levelsFrom(h.cacheRoot);
      const { entries, top } = climbingChain(chain.tag, chain.levels);
      return [HANDLER, ...entries, last(top, h)];
    },
    /link/,
    chain,
  );
}

for (const format of ['zip', 'tar.gz'] as const) {
  test(`${format}: a chain of links climbing to / does not carry a file out`, (t) => chainAttack(t, format, (top, h) => ({ name: `${top}${h.host}/pwned`, file: 'written by root' })));

  test(`${format}: a chain of links climbing to / does not carry a directory out`, (t) => chainAttack(t, format, (top, h) => ({ name: `${top}${h.host}/pwned-dir`, dir: true })));

  test(`${format}: an absolute symlink is refused`, (t) => attack(t, format, (h) => [HANDLER, { name: 'abs', symlink: h.host }, { name: 'abs/pwned', file: 'x' }], /absolute path/));

  test(`${format}: a symlink to a directory of the package cannot be a parent`, (t) =>
    attack(t, format, () => [HANDLER, { name: 'lib/', dir: true }, { name: 'lib/a.js', file: 'a' }, { name: 'via', symlink: 'lib' }, { name: 'via/b.js', file: 'b' }], /link 'via'/));

  test(`${format}: a link through a link that resolves outside is refused (textually inside)`, (t) =>
    // `a/up -> ..` is the package root, so `a/out -> up/..` is its parent: the cache
    attack(t, format, () => [HANDLER, { name: 'a/up', symlink: '..' }, { name: 'a/out', symlink: 'up/..' }], /outside the package/));

  test(`${format}: a file through a link that resolves outside is refused`, (t) =>
    attack(t, format, () => [HANDLER, { name: 'a/b/up', symlink: '../..' }, { name: 'a/b/out', symlink: 'up/..' }, { name: 'a/b/out/pwned', file: 'x' }], /link 'a\/b\/out'/));

  test(`${format}: a symlink replaced by a directory entry of the same name is refused`, (t) =>
    attack(t, format, () => [HANDLER, { name: 'lib/', dir: true }, { name: 'x', symlink: 'lib' }, { name: 'x/', dir: true }, { name: 'x/f.js', file: 'f' }], /'x' appears twice|link 'x'/));

  test(`${format}: a file entry written twice is refused`, (t) => attack(t, format, () => [HANDLER, { name: 'lib/a.js', file: 'one' }, { name: 'lib/a.js', file: 'two' }], /'lib\/a.js' appears twice/));

  test(`${format}: a file entry named like an earlier symlink does not write through it`, (t) =>
    // `a/up -> ../..` is the package root; `esc` made through it points at <host>/secret
    attack(t, format, () => [HANDLER, { name: 'a/b/up', symlink: '../..' }, { name: 'a/b/up/esc', symlink: '../../secret' }, { name: 'esc', file: 'overwritten by root' }], /link 'a\/b\/up'/));

  test(`${format}: a file then a symlink of the same name is refused`, (t) => attack(t, format, () => [HANDLER, { name: 'f.js', file: 'x' }, { name: 'f.js', symlink: 'index.js' }], /'f.js' appears twice/));

  test(`${format}: '..' components are refused`, (t) => attack(t, format, () => [HANDLER, { name: 'lib/../../pwned', file: 'x' }], /outside the package/));

  test(`${format}: a name component longer than 255 bytes is refused`, (t) => attack(t, format, () => [HANDLER, { name: `lib/${'n'.repeat(300)}.js`, file: 'x' }], /too long/));

  test(`${format}: a name nested deeper than 128 directories is refused`, (t) => attack(t, format, () => [HANDLER, { name: 'd/'.repeat(200) + 'f.js', file: 'x' }], /more than 128 directories deep/));

  test(`${format}: a link target longer than 4096 bytes is refused`, (t) => attack(t, format, () => [HANDLER, { name: 'long', symlink: 'd/'.repeat(2100) + 'f' }], /longer than 4096|too long/));

  test(`${format}: a name longer than 4096 bytes is refused`, (t) =>
    attack(t, format, () => [HANDLER, { name: Array.from({ length: 30 }, () => 'd'.repeat(200)).join('/') + '/f.js', file: 'x' }], /too long/));
}

test('zip: a NUL byte in a name is refused', (t) => attack(t, 'zip', () => [HANDLER, { name: 'lib/a\0/../../pwned', file: 'x' }], /NUL|outside/));

test('tar.gz: a hard link through a chain of links to a root-only host file is refused', (t) => chainAttack(t, 'tar.gz', (top, h) => ({ name: 'stolen', hardlink: `${top}${h.secret}` })));

test('tar.gz: a hard link through one escaping link to a root-only host file is refused', (t) =>
  // `a/b/c/up` is the package root, so `a/b/c/up/esc` (made at the root) names <host>
  attack(t, 'tar.gz', () => [HANDLER, { name: 'a/b/c/up', symlink: '../../..' }, { name: 'a/b/c/up/esc', symlink: '../..' }, { name: 'stolen', hardlink: 'a/b/c/up/esc/secret' }], /link/));

test('tar.gz: a hard link to a symlink escaping the package is refused', (t) =>
  attack(t, 'tar.gz', () => [HANDLER, { name: 'a/b/up', symlink: '../..' }, { name: 'a/b/up/esc', symlink: '../../secret' }, { name: 'stolen', hardlink: 'esc' }], /link/));

test('tar.gz: a hard link to a symlink inside the package is refused', (t) => attack(t, 'tar.gz', () => [HANDLER, { name: 'alias', symlink: 'index.js' }, { name: 'stolen', hardlink: 'alias' }], /hard link 'stolen'.*not a file/));

test('tar.gz: a hard link named directly at a host file is refused', async (t) => {
  await attack(t, 'tar.gz', (h) => [HANDLER, { name: 'stolen', hardlink: h.secret }], /absolute path/);
  await attack(t, 'tar.gz', () => [HANDLER, { name: 'stolen', hardlink: '../../secret' }], /outside the package/);
});

test('tar.gz: a hard link to an entry the archive has not written is refused', (t) =>
  attack(t, 'tar.gz', () => [HANDLER, { name: 'early', hardlink: 'later.js' }, { name: 'later.js', file: 'x' }], /hard link 'early'/));

test('tar.gz: a hard link to a directory is refused', (t) => attack(t, 'tar.gz', () => [HANDLER, { name: 'lib/', dir: true }, { name: 'alias', hardlink: 'lib' }], /hard link 'alias'.*not a file/));

test('tar.gz: hard links and symlinks inside the package still work', async (t) => {
  const h = await miniHost();
  try {
    const { blob, fileName } = await archive('tar.gz', [HANDLER, { name: 'lib/', dir: true }, { name: 'lib/a.js', file: 'A' }, { name: 'copy.js', hardlink: 'lib/a.js' }, { name: 'alias.js', symlink: 'lib/a.js' }, { name: 'lib/up', symlink: '..' }]);
    const ref = await inspectPackage(blob, fileName, 'index.handler', limits, h.cache);
    const dir = h.cache.dirOf(ref.sha256);
    t.is(await readFile(join(dir, 'copy.js'), 'utf8'), 'A');
    t.true((await lstat(join(dir, 'alias.js'))).isSymbolicLink());
    t.is((await lstat(join(dir, 'copy.js'))).mode & 0o777, 0o444);
  } finally {
    await rm(h.host, { recursive: true, force: true });
  }
});

// Through the REST API of the embedded default: the route answers 422 naming `code`.
test('REST API: archives whose links climb out are refused with 422 and write nothing outside', async (t) => {
  const svc = await startTestService();
  const host = await mkdtemp(join(tmpdir(), 'fnstack-escape-api-'));
  const secret = join(host, 'secret');
  const secretText = `root-only ${randomBytes(16).toString('hex')}`;
  await writeFile(secret, secretText, { mode: 0o600 });
  const codeRoot = join(svc.dataDir, 'code');
  const levels = ancestors(codeRoot).length + 2;
  const tags: string[] = [];
  try {
    const attempts: Array<[string, Format, (t0: string) => Entry[]]> = [
      ['zip chain + file', 'zip', (t0) => { const c = climbingChain(t0, levels); return [HANDLER, ...c.entries, { name: `${c.top}${host}/pwned`, file: 'x' }]; }],
      ['tar chain + file', 'tar.gz', (t0) => { const c = climbingChain(t0, levels); return [HANDLER, ...c.entries, { name: `${c.top}${host}/pwned`, file: 'x' }]; }],
      ['tar chain + hard link', 'tar.gz', (t0) => { const c = climbingChain(t0, levels); return [HANDLER, ...c.entries, { name: 'stolen', hardlink: `${c.top}${secret}` }]; }],
      ['zip link then file of the same name', 'zip', () => [HANDLER, { name: 'a/b/up', symlink: '../..' }, { name: 'a/b/up/esc', symlink: '../pwned' }, { name: 'esc', file: 'x' }]],
    ];
    for (const [what, format, build] of attempts) {
      const t0 = tag();
      tags.push(t0);
      const { blob, fileName } = await archive(format, build(t0));
      const r = await svc.api('POST', '/v1/functions', functionForm({ name: `esc-${t0}`, runtime: RUNTIME, handler: 'index.handler' }, { name: fileName, content: blob }));
      t.is(r.status, 422, `${what}: ${JSON.stringify(r.body)}`);
      t.is(r.body?.code, 'invalid_code_package', what);
      t.is(r.body?.field, 'code', what);
      t.regex(String(r.body?.message), /link/, what);
      t.deepEqual(await strayLinks(t0, codeRoot, levels), [], `${what}: no link outside the package`);
    }
    t.deepEqual(await readdir(host), ['secret'], 'nothing was written into the target');
    t.is((await stat(secret)).mode & 0o7777, 0o600, 'the host file keeps its mode');
    t.deepEqual(await holdsText(svc.dataDir, secretText), [], 'the host file is nowhere in the data directory');
    t.deepEqual((await readdir(codeRoot).catch(() => [])).filter((n) => n !== 'pwned'), [], 'no package was kept');
    t.false(await lstat(join(codeRoot, 'pwned')).then(() => true, () => false), 'nothing was written into the code root');
    const list = await svc.api('GET', '/v1/functions');
    t.is(list.status, 200);
    t.deepEqual(list.body?.items, [], 'no function was created');
  } finally {
    for (const t0 of tags) await strayLinks(t0, codeRoot, levels);
    await svc.close();
    await rm(host, { recursive: true, force: true });
  }
});
