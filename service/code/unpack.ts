/**
 * Unpacks a validated code package into a directory, enforcing the limits as bytes are
 * written (declared sizes in archive headers are never trusted).
 */
import { createWriteStream } from 'node:fs';
import { mkdir, symlink, writeFile, link } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import yauzl from 'yauzl';
import tarStream from 'tar-stream';
import type { CodeFormat } from '../model.js';
import { badPackage } from './package-errors.js';
import { checkLinkTarget, safeEntryPath } from './safe-path.js';

export interface UnpackLimits {
  maxUnpackedBytes: number;
  maxEntries: number;
}

/** Counts unpacked bytes across all entries of one package and stops at the cap. */
class Budget {
  bytes = 0;
  entries = 0;
  constructor(readonly limits: UnpackLimits) {}
  entry(name: string): void {
    if (++this.entries > this.limits.maxEntries) throw badPackage(`archive has more than ${this.limits.maxEntries} entries (at '${name}')`);
  }
  meter(): Transform {
    return new Transform({
      transform: (chunk: Buffer, _enc, cb) => {
        this.bytes += chunk.length;
        if (this.bytes > this.limits.maxUnpackedBytes) cb(badPackage(`unpacked size exceeds the limit of ${this.limits.maxUnpackedBytes} bytes (zip bomb?)`));
        else cb(null, chunk);
      },
    });
  }
}

export async function unpackPackage(blob: Buffer, format: CodeFormat, fileName: string | null, dest: string, limits: UnpackLimits): Promise<void> {
  await mkdir(dest, { recursive: true });
  if (format === 'zip') return unpackZip(blob, dest, new Budget(limits));
  if (format === 'tar.gz') return unpackTarGz(blob, dest, new Budget(limits));
  if (!fileName) throw new Error('single-file package without a file name');
  if (blob.length > limits.maxUnpackedBytes) throw badPackage(`file exceeds the limit of ${limits.maxUnpackedBytes} bytes`);
  await writeFile(join(dest, fileName), blob);
}

async function writeEntry(dest: string, name: string, open: Readable | (() => Promise<Readable>), budget: Budget): Promise<void> {
  const target = join(dest, name);
  await mkdir(dirname(target), { recursive: true });
  const source = typeof open === 'function' ? await open() : open;
  await pipeline(source, budget.meter(), createWriteStream(target, { mode: 0o644 }));
}

function openZip(blob: Buffer): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.fromBuffer(blob, { lazyEntries: true, validateEntrySizes: true, strictFileNames: false }, (err, zip) => (err ? reject(badPackage(`not a readable zip archive: ${err.message}`)) : resolve(zip))),
  );
}

async function unpackZip(blob: Buffer, dest: string, budget: Budget): Promise<void> {
  const zip = await openZip(blob);
  if (zip.entryCount > budget.limits.maxEntries) {
    zip.close();
    throw badPackage(`archive has ${zip.entryCount} entries, more than the limit of ${budget.limits.maxEntries}`);
  }
  await new Promise<void>((resolve, reject) => {
    const fail = (err: unknown) => {
      zip.close();
      const e = err as Error;
      reject(e instanceof Error && 'code' in e && (e as { code?: string }).code === 'invalid_code_package' ? e : badPackage(zipMessage(e)));
    };
    zip.on('error', fail);
    zip.on('end', () => resolve());
    zip.on('entry', (entry: yauzl.Entry) => {
      void (async () => {
        const name = safeEntryPath(entry.fileName);
        budget.entry(entry.fileName);
        const mode = (entry.externalFileAttributes >>> 16) & 0o170000;
        if (name === '' || entry.fileName.endsWith('/')) {
          await mkdir(join(dest, name), { recursive: true });
        } else if (mode === 0o120000) {
          const target = (await readAll(await openEntry(zip, entry))).toString('utf8');
          checkLinkTarget(name, target);
          await mkdir(dirname(join(dest, name)), { recursive: true });
          await symlink(target, join(dest, name));
        } else {
          await writeEntry(dest, name, () => openEntry(zip, entry), budget);
        }
        zip.readEntry();
      })().catch(fail);
    });
    zip.readEntry();
  });
}

function zipMessage(e: Error): string {
  if (/absolute path/.test(e.message)) return `archive entry has an absolute path (${e.message})`;
  if (/invalid relative path/.test(e.message)) return `archive entry points outside the package (${e.message})`;
  return `zip archive is damaged: ${e.message}`;
}

function openEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Readable> {
  return new Promise((resolve, reject) =>
    zip.openReadStream(entry, (err, s) => {
      if (err) return reject(err);
      // yauzl's size check can fire before and after pipeline() listens; pipeline still sees the error.
      s.on('error', () => undefined);
      resolve(s);
    }),
  );
}

async function readAll(s: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

async function unpackTarGz(blob: Buffer, dest: string, budget: Budget): Promise<void> {
  const extract = tarStream.extract();
  const links: Array<{ name: string; target: string }> = [];
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      void (async () => {
        const name = safeEntryPath(header.name);
        budget.entry(header.name);
        switch (header.type) {
          case 'directory':
            await mkdir(join(dest, name), { recursive: true });
            stream.resume();
            break;
          case 'file':
          case 'contiguous-file':
            await writeEntry(dest, name, stream as unknown as Readable, budget);
            break;
          case 'symlink':
            checkLinkTarget(name, header.linkname ?? '');
            await mkdir(dirname(join(dest, name)), { recursive: true });
            await symlink(header.linkname ?? '', join(dest, name));
            stream.resume();
            break;
          case 'link': {
            const target = safeEntryPath(header.linkname ?? '');
            links.push({ name, target });
            stream.resume();
            break;
          }
          default:
            throw badPackage(`archive entry '${header.name}' is a ${header.type}; only files, directories and links are allowed`);
        }
        next();
      })().catch((err: unknown) => {
        stream.resume();
        extract.destroy(err as Error);
      });
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  try {
    await Promise.all([pipeline(Readable.from(blob), createGunzip(), extract), done]);
  } catch (err) {
    if ((err as { code?: string }).code === 'invalid_code_package') throw err;
    throw badPackage(`not a readable .tar.gz archive: ${(err as Error).message}`);
  }
  for (const l of links) await link(join(dest, l.target), join(dest, l.name));
}
