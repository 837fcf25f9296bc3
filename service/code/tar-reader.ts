/** Feeds the entries of a .tar.gz archive to a PackageWriter, in order. */
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import tarStream from 'tar-stream';
import { badPackage, isPackageError, isSystemError } from './package-errors.js';
import type { PackageWriter } from './unpack.js';

export async function readTarGz(blob: Buffer, writer: PackageWriter): Promise<void> {
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
