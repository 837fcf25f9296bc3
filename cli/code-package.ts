/**
 * Turns `--code PATH` into the file part of an upload: a .js/.mjs/.cjs file or a .zip /
 * .tar.gz archive as it is, or a directory packed into a .tar.gz on the fly.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { CodeFormat } from './api-types.js';
import { CliError } from './errors.js';
import type { FilePart } from './multipart.js';
import { packDirectory } from './tar-pack.js';

export interface CodePackage extends Omit<FilePart, 'name'> {
  format: CodeFormat;
  /** Set when the package was packed from a directory. */
  packed?: { files: number; skipped: string[]; ignored: number; devPackages: number };
}

const FORMATS: Array<{ suffix: string; format: CodeFormat; contentType: string }> = [
  { suffix: '.tar.gz', format: 'tar.gz', contentType: 'application/gzip' },
  { suffix: '.tgz', format: 'tar.gz', contentType: 'application/gzip' },
  { suffix: '.zip', format: 'zip', contentType: 'application/zip' },
  { suffix: '.mjs', format: 'mjs', contentType: 'text/javascript' },
  { suffix: '.cjs', format: 'cjs', contentType: 'text/javascript' },
  { suffix: '.js', format: 'js', contentType: 'text/javascript' },
];

export async function loadCodePackage(path: string): Promise<CodePackage> {
  const abs = resolve(path);
  const st = await stat(abs).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') throw new CliError(`--code: ${path} does not exist`);
    if (err.code === 'EACCES') throw new CliError(`--code: ${path} is not readable (permission denied)`);
    throw err;
  });
  if (st.isDirectory()) return packDirectoryPackage(abs, path);
  if (!st.isFile()) throw new CliError(`--code: ${path} is neither a file nor a directory`);

  const lower = abs.toLowerCase();
  const kind = FORMATS.find((f) => lower.endsWith(f.suffix));
  if (!kind) throw new CliError(`--code: ${path} must be a .js, .mjs or .cjs file, a .zip or .tar.gz archive, or a directory`);
  const name = basename(abs);
  // The service tells formats apart by file name; .tgz is the same thing as .tar.gz.
  const filename = kind.suffix === '.tgz' ? `${name.slice(0, -4)}.tar.gz` : name;
  return {
    filename,
    contentType: kind.contentType,
    format: kind.format,
    size: st.size,
    open: () => createReadStream(abs, { highWaterMark: 64 * 1024 }),
  };
}

async function packDirectoryPackage(abs: string, shown: string): Promise<CodePackage> {
  const pack = await packDirectory(abs);
  if (pack.files === 0) throw new CliError(`--code: directory ${shown} has no files to upload`);
  const archive = pack.archive;
  return {
    filename: `${basename(abs) || 'code'}.tar.gz`,
    contentType: 'application/gzip',
    format: 'tar.gz',
    size: archive.byteLength,
    packed: { files: pack.files, skipped: pack.skipped, ignored: pack.ignored, devPackages: pack.devPackages },
    async *open() {
      for (let i = 0; i < archive.byteLength; i += 64 * 1024) yield archive.subarray(i, i + 64 * 1024);
    },
  };
}
