/**
 * Unpacks a zip or tar.gz code package into a directory, enforcing the limits as bytes are
 * written (declared sizes in archive headers are never trusted). Runs in the unpacker's own
 * unprivileged process (unpack-worker.ts); every entry goes through PackageWriter, which never
 * follows a link and refuses whatever would.
 */
import { pipeline } from 'node:stream/promises';
import { Transform, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import yauzl from 'yauzl';
import tarStream from 'tar-stream';
import { badPackage } from './package-errors.js';
import { checkLinkTarget, safeEntryPath } from './safe-path.js';
import { EntryTree } from './entry-tree.js';
import { makeDir, makeHardLink, makeSymlink, openNewFile } from './safe-fs.js';

export interface UnpackLimits {
  maxUnpackedBytes: number;
  maxEntries: number;
}

export type ArchiveFormat = 'zip' | 'tar.gz';

/** A symlink's target is a path: longer than PATH_MAX is not one. */
const MAX_LINK_TARGET_BYTES = 4096;

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

/** Every entry of one archive, in order: judged by EntryTree, then made by safe-fs under `dest`. */
class PackageWriter {
  private readonly tree = new EntryTree();
  constructor(
    private readonly dest: string,
    readonly budget: Budget,
  ) {}

  private name(raw: string): string {
    const path = safeEntryPath(raw);
    this.budget.entry(raw);
    return path;
  }

  async dir(raw: string): Promise<void> {
    const path = this.name(raw);
    if (this.tree.addDir(path)) await makeDir(this.dest, path);
  }

  async file(raw: string, source: Readable): Promise<void> {
    const path = this.name(raw);
    if (path === '') throw badPackage(`archive entry '${raw}' is a file without a name`);
    this.tree.addFile(path);
    const out = await openNewFile(this.dest, path);
    await pipeline(source, this.budget.meter(), out.createWriteStream());
  }

  async symlink(raw: string, target: string): Promise<void> {
    const path = this.name(raw);
    checkLinkTarget(path, target);
    this.tree.addSymlink(path, target);
    await makeSymlink(this.dest, path, target);
  }

  async hardLink(raw: string, rawTarget: string): Promise<void> {
    const path = this.name(raw);
    const target = safeEntryPath(rawTarget);
    this.tree.addHardLink(path, target);
    await makeHardLink(this.dest, path, target);
  }

  finish(): void {
    this.tree.assertLinksInside();
  }
}

export async function unpackArchive(blob: Buffer, format: ArchiveFormat, dest: string, limits: UnpackLimits): Promise<{ entries: number; bytes: number }> {
  const writer = new PackageWriter(dest, new Budget(limits));
  if (format === 'zip') await unpackZip(blob, writer);
  else await unpackTarGz(blob, writer);
  writer.finish();
  return { entries: writer.budget.entries, bytes: writer.budget.bytes };
}

function openZip(blob: Buffer): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.fromBuffer(blob, { lazyEntries: true, validateEntrySizes: true, strictFileNames: false }, (err, zip) => (err ? reject(badPackage(`not a readable zip archive: ${err.message}`)) : resolve(zip))),
  );
}

async function unpackZip(blob: Buffer, writer: PackageWriter): Promise<void> {
  const zip = await openZip(blob);
  const max = writer.budget.limits.maxEntries;
  if (zip.entryCount > max) {
    zip.close();
    throw badPackage(`archive has ${zip.entryCount} entries, more than the limit of ${max}`);
  }
  await new Promise<void>((resolve, reject) => {
    const fail = (err: unknown) => {
      zip.close();
      const e = err as Error;
      reject(isPackageError(e) || isSystemError(e) ? e : badPackage(zipMessage(e)));
    };
    zip.on('error', fail);
    zip.on('end', () => resolve());
    zip.on('entry', (entry: yauzl.Entry) => {
      void (async () => {
        const type = (entry.externalFileAttributes >>> 16) & 0o170000;
        if (entry.fileName.endsWith('/') || type === 0o040000) await writer.dir(entry.fileName);
        else if (type === 0o120000) await writer.symlink(entry.fileName, await readLinkTarget(entry.fileName, await openEntry(zip, entry)));
        else await writer.file(entry.fileName, await openEntry(zip, entry));
        zip.readEntry();
      })().catch(fail);
    });
    zip.readEntry();
  });
}

const isPackageError = (e: unknown) => e instanceof Error && (e as { code?: string }).code === 'invalid_code_package';
/** A failing system call is the host's problem (a 500), not the package's. */
const isSystemError = (e: unknown) => typeof (e as NodeJS.ErrnoException | null)?.syscall === 'string';

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

async function readLinkTarget(name: string, s: Readable): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const c of s) {
    size += (c as Buffer).length;
    if (size > MAX_LINK_TARGET_BYTES) {
      s.destroy();
      throw badPackage(`link '${name}' has a target longer than ${MAX_LINK_TARGET_BYTES} bytes`);
    }
    parts.push(c as Buffer);
  }
  return Buffer.concat(parts).toString('utf8');
}

async function unpackTarGz(blob: Buffer, writer: PackageWriter): Promise<void> {
  const extract = tarStream.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      void (async () => {
        switch (header.type) {
          case 'directory':
            await writer.dir(header.name);
            stream.resume();
            break;
          case 'file':
          case 'contiguous-file':
            await writer.file(header.name, stream as unknown as Readable);
            break;
          case 'symlink':
            await writer.symlink(header.name, header.linkname ?? '');
            stream.resume();
            break;
          case 'link':
            await writer.hardLink(header.name, header.linkname ?? '');
            stream.resume();
            break;
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
    if (isPackageError(err) || isSystemError(err)) throw err;
    throw badPackage(`not a readable .tar.gz archive: ${(err as Error).message}`);
  }
}
