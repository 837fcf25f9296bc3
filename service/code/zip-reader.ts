/** Feeds the entries of a zip archive to a PackageWriter, in order. */
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import { badPackage, isPackageError, isSystemError } from './package-errors.js';
import type { PackageWriter } from './unpack.js';

/** A symlink's target is a path: longer than PATH_MAX is not one. */
const MAX_LINK_TARGET_BYTES = 4096;

function openZip(blob: Buffer): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.fromBuffer(blob, { lazyEntries: true, validateEntrySizes: true, strictFileNames: false }, (err, zip) => (err ? reject(badPackage(`not a readable zip archive: ${err.message}`)) : resolve(zip))),
  );
}

export async function readZip(blob: Buffer, writer: PackageWriter): Promise<void> {
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
