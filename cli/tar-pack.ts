/**
 * A minimal tar writer (POSIX ustar, with a pax header for names that do not fit) and the
 * directory walk that feeds it, so `--code DIR` needs no dependency. Owners are written as
 * 0/0 and entries are sorted, so the same tree always packs to the same bytes.
 */
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join, posix, relative, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { packFilter, type PackFilter } from './pack-filter.js';

export interface TarEntry {
  /** Path inside the archive, '/'-separated, without a leading './'. */
  path: string;
  type: 'file' | 'directory' | 'symlink';
  mode: number;
  /** Seconds since the epoch. */
  mtime: number;
  data?: Uint8Array;
  linkname?: string;
}

const BLOCK = 512;
const TYPE_FLAG = { file: '0', symlink: '2', directory: '5' } as const;

/** The uncompressed archive: each entry's header and data, then two zero blocks. */
export function packTar(entries: TarEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const name = entry.type === 'directory' && !entry.path.endsWith('/') ? `${entry.path}/` : entry.path;
    const data = entry.type === 'file' ? Buffer.from(entry.data ?? new Uint8Array()) : Buffer.alloc(0);
    const split = splitName(name);
    const linkname = entry.linkname ?? '';
    if (!split || Buffer.byteLength(linkname) > 100) {
      const pax = paxRecords({ path: name, ...(linkname ? { linkpath: linkname } : {}) });
      blocks.push(header({ name: 'PaxHeader', type: 'x', mode: 0o644, mtime: entry.mtime, size: pax.length }), pad(pax));
    }
    const { prefix, base } = split ?? { prefix: '', base: truncateBytes(name, 100) };
    blocks.push(
      header({ name: base, prefix, type: TYPE_FLAG[entry.type], mode: entry.mode, mtime: entry.mtime, size: data.length, linkname: truncateBytes(linkname, 100) }),
      pad(data),
    );
  }
  blocks.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(blocks);
}

interface HeaderFields {
  name: string;
  prefix?: string;
  type: string;
  mode: number;
  mtime: number;
  size: number;
  linkname?: string;
}

function header(f: HeaderFields): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(f.name, 0, 100, 'utf8');
  h.write(octal(f.mode & 0o7777, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii');
  h.write(octal(0, 8), 116, 'ascii');
  h.write(octal(f.size, 12), 124, 'ascii');
  h.write(octal(Math.max(0, Math.floor(f.mtime)), 12), 136, 'ascii');
  h.write(' '.repeat(8), 148, 'ascii');
  h.write(f.type, 156, 'ascii');
  h.write(f.linkname ?? '', 157, 100, 'utf8');
  h.write('ustar\u000000', 257, 'ascii');
  h.write(f.prefix ?? '', 345, 155, 'utf8');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 'ascii');
  return h;
}

/** ustar stores long names as prefix (≤155 bytes) + '/' + name (≤100 bytes); null if impossible. */
function splitName(name: string): { prefix: string; base: string } | null {
  if (Buffer.byteLength(name) <= 100) return { prefix: '', base: name };
  for (let i = name.indexOf('/'); i !== -1; i = name.indexOf('/', i + 1)) {
    const prefix = name.slice(0, i);
    const base = name.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(base) <= 100 && base.length > 0) return { prefix, base };
  }
  return null;
}

/** pax records are "<length> key=value\n" where length counts the whole record, itself included. */
function paxRecords(fields: Record<string, string>): Buffer {
  let out = '';
  for (const [key, value] of Object.entries(fields)) {
    const body = ` ${key}=${value}\n`;
    let len = Buffer.byteLength(body) + 1;
    while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
    out += `${len}${body}`;
  }
  return Buffer.from(out, 'utf8');
}

function octal(n: number, width: number): string {
  return `${n.toString(8).padStart(width - 1, '0')}\u0000`;
}

function pad(data: Buffer): Buffer {
  const rest = data.length % BLOCK;
  return rest === 0 ? data : Buffer.concat([data, Buffer.alloc(BLOCK - rest)]);
}

function truncateBytes(s: string, max: number): string {
  let out = s;
  while (Buffer.byteLength(out) > max) out = out.slice(0, -1);
  return out;
}

/** Names never packed: VCS metadata, and the data directory that holds the service's API key. */
export const EXCLUDED_NAMES: ReadonlySet<string> = new Set(['.git', '.fnstack']);

export interface DirectoryPack {
  /** The .tar.gz bytes. */
  archive: Buffer;
  files: number;
  /** Entries left out (symlinks pointing outside the directory, sockets, …), relative paths. */
  skipped: string[];
  /** Entries left out by .fnstackignore or as devDependencies (each directory once). */
  ignored: number;
  /** Packages under node_modules left out because only devDependencies need them. */
  devPackages: number;
}

export async function packDirectory(dir: string): Promise<DirectoryPack> {
  const root = resolve(dir);
  const entries: TarEntry[] = [];
  const skipped: string[] = [];
  const filter = await packFilter(root);
  const seen = { ignored: 0, devPackages: 0 };
  await walk(root, root, entries, skipped, filter, seen);
  const archive = await promisify(gzip)(packTar(entries), { level: 9 });
  return { archive, files: entries.filter((e) => e.type === 'file').length, skipped, ...seen };
}

async function walk(root: string, dir: string, out: TarEntry[], skipped: string[], filter: PackFilter, seen: { ignored: number; devPackages: number }): Promise<void> {
  const names = (await readdir(dir)).filter((n) => !EXCLUDED_NAMES.has(n)).sort();
  for (const name of names) {
    const abs = join(dir, name);
    const path = relative(root, abs).split(sep).join(posix.sep);
    const st = await lstat(abs);
    const mtime = Math.floor(st.mtimeMs / 1000);
    if (filter.excludes(path, st.isDirectory())) {
      seen.ignored++;
      if (filter.devOnly.has(path)) seen.devPackages++;
      continue;
    }
    if (st.isDirectory()) {
      out.push({ path, type: 'directory', mode: st.mode, mtime });
      await walk(root, abs, out, skipped, filter, seen);
    } else if (st.isFile()) {
      out.push({ path, type: 'file', mode: st.mode, mtime, data: await readFile(abs) });
    } else if (st.isSymbolicLink()) {
      const target = await readlink(abs);
      // A link is kept only if it stays inside the package (node_modules/.bin does); the rest would dangle.
      const rel = relative(root, resolve(dir, target));
      const inside = !posix.isAbsolute(target) && rel !== '..' && !rel.startsWith(`..${sep}`);
      if (inside) out.push({ path, type: 'symlink', mode: 0o777, mtime, linkname: target });
      else skipped.push(path);
    } else {
      skipped.push(path);
    }
  }
}
