/**
 * The unpacked code tree of a function as a gzip'ed POSIX tar (what the runner inside a
 * server downloads). The service serves the tree it has already unpacked and checked
 * (code cache), so the runner needs no zip reader: only the small untar in
 * service/runner/agent-untar.ts. Entries: directories, regular files (mode kept, 0644/0755)
 * and symbolic links; names longer than the 100-byte ustar field get a pax `path`/`linkpath`
 * record. Pure Node, no dependency.
 */
import { lstat, readFile, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export async function tarGzDirectory(root: string): Promise<Buffer> {
  const blocks: Buffer[] = [];
  await walk(root, '', blocks);
  blocks.push(Buffer.alloc(1024)); // two zero blocks end the archive
  return gzipSync(Buffer.concat(blocks), { level: 6 });
}

async function walk(root: string, rel: string, out: Buffer[]): Promise<void> {
  const entries = await readdir(join(root, rel), { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const name = rel ? `${rel}/${e.name}` : e.name;
    const full = join(root, name);
    const st = await lstat(full);
    if (st.isDirectory()) {
      out.push(...entry(`${name}/`, '5', 0o755, Buffer.alloc(0)));
      await walk(root, name, out);
    } else if (st.isSymbolicLink()) {
      out.push(...entry(name, '2', 0o777, Buffer.alloc(0), await readlink(full)));
    } else if (st.isFile()) {
      out.push(...entry(name, '0', st.mode & 0o111 ? 0o755 : 0o644, await readFile(full)));
    }
  }
}

/** One member: [pax header + its data,] ustar header, data padded to 512. */
export function entry(name: string, type: '0' | '2' | '5', mode: number, data: Buffer, linkName = ''): Buffer[] {
  const out: Buffer[] = [];
  const pax: string[] = [];
  if (Buffer.byteLength(name) > 99) pax.push(paxRecord('path', name));
  if (Buffer.byteLength(linkName) > 99) pax.push(paxRecord('linkpath', linkName));
  if (pax.length > 0) {
    const body = Buffer.from(pax.join(''));
    out.push(header('PaxHeader', 'x', 0o644, body.length, ''), pad(body));
  }
  out.push(header(name, type, mode, data.length, linkName), pad(data));
  return out;
}

function header(name: string, type: string, mode: number, size: number, linkName: string): Buffer {
  const h = Buffer.alloc(512);
  h.write(truncate(name), 0, 100, 'utf8');
  h.write(octal(mode, 7), 100, 8, 'ascii');
  h.write(octal(0, 7), 108, 8, 'ascii');
  h.write(octal(0, 7), 116, 8, 'ascii');
  h.write(octal(size, 11), 124, 12, 'ascii');
  h.write(octal(0, 11), 136, 12, 'ascii');
  h.fill(' ', 148, 156);
  h.write(type, 156, 1, 'ascii');
  h.write(truncate(linkName), 157, 100, 'utf8');
  h.write('ustar\u000000', 257, 8, 'binary');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 6) + '\u0000 ', 148, 8, 'binary');
  return h;
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
  return `${len}${body}`;
}

function truncate(s: string): string {
  const b = Buffer.from(s);
  return b.length <= 99 ? s : b.subarray(0, 99).toString('utf8');
}

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width, '0');
}

function pad(b: Buffer): Buffer {
  const rest = b.length % 512;
  return rest === 0 ? b : Buffer.concat([b, Buffer.alloc(512 - rest)]);
}
