/**
 * A minimal untar for the runner inside a server (node builtins only). It reads what the
 * service sends (service/provisioner/openstack/code-tar.ts): gzip'ed POSIX tar with
 * directories, regular files and symbolic links, pax `path`/`linkpath` records and GNU
 * long names. Every name must stay inside the destination; anything else is refused.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize, relative, resolve, sep } from 'node:path';
import { gunzipSync } from 'node:zlib';

export interface UntarStats {
  files: number;
  bytes: number;
}

export function untarGz(archive: Buffer, dest: string, maxBytes = 512 * 1024 * 1024): UntarStats {
  const tar = gunzipSync(archive, { maxOutputLength: maxBytes });
  const root = resolve(dest);
  mkdirSync(root, { recursive: true });
  const stats: UntarStats = { files: 0, bytes: 0 };
  let nextPath: string | null = null;
  let nextLink: string | null = null;
  for (let off = 0; off + 512 <= tar.length; ) {
    const h = tar.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    if (!checksumOk(h)) throw new Error(`corrupt tar header at byte ${off}`);
    const size = parseInt(str(h, 124, 12).trim() || '0', 8);
    const type = String.fromCharCode(h[156] ?? 0);
    const data = tar.subarray(off + 512, off + 512 + size);
    off += 512 + Math.ceil(size / 512) * 512;
    if (type === 'x') {
      const pax = parsePax(data);
      nextPath = pax.path ?? nextPath;
      nextLink = pax.linkpath ?? nextLink;
      continue;
    }
    if (type === 'L') {
      nextPath = data.toString('utf8').replace(/\0.*$/s, '');
      continue;
    }
    if (type === 'K') {
      nextLink = data.toString('utf8').replace(/\0.*$/s, '');
      continue;
    }
    if (type === 'g') continue;
    const prefix = str(h, 345, 155);
    const name = nextPath ?? (prefix ? `${prefix}/${str(h, 0, 100)}` : str(h, 0, 100));
    const linkName = nextLink ?? str(h, 157, 100);
    nextPath = nextLink = null;
    const target = inside(root, name);
    if (target === root) continue;
    const mode = parseInt(str(h, 100, 8).trim() || '644', 8) & 0o755;
    if (type === '5') mkdirSync(target, { recursive: true });
    else if (type === '0' || type === '\0' || type === '7') {
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, data, { mode: mode | 0o400 });
      stats.files++;
      stats.bytes += size;
    } else if (type === '2') {
      if (isAbsolute(linkName)) throw new Error(`link ${name} points outside the code: ${linkName}`);
      inside(root, join(dirname(relative(root, target)), linkName));
      mkdirSync(dirname(target), { recursive: true });
      symlinkSync(linkName, target);
    }
    // other types (devices, fifos, hard links) are not part of code packages: skipped
  }
  return stats;
}

function inside(root: string, name: string): string {
  const target = resolve(root, normalize(name));
  if (target !== root && !target.startsWith(root + sep)) throw new Error(`tar entry escapes the destination: ${name}`);
  return target;
}

function str(b: Buffer, start: number, len: number): string {
  const s = b.subarray(start, start + len);
  const end = s.indexOf(0);
  return s.subarray(0, end < 0 ? s.length : end).toString('utf8');
}

function checksumOk(h: Buffer): boolean {
  const stored = parseInt(str(h, 148, 8).trim(), 8);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : (h[i] ?? 0);
  return sum === stored;
}

function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let off = 0;
  while (off < data.length) {
    const space = data.indexOf(32, off);
    if (space < 0) break;
    const len = parseInt(data.subarray(off, space).toString('ascii'), 10);
    if (!(len > 0)) break;
    const record = data.subarray(space + 1, off + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    off += len;
  }
  return out;
}
