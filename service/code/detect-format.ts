import type { CodeFormat } from '../model.js';
import { badPackage } from './package-errors.js';

/** Determines the package format from its name, confirmed by its first bytes. */
export function detectFormat(fileName: string, head: Buffer): CodeFormat {
  const name = fileName.toLowerCase();
  const isZip = head.length >= 4 && head.readUInt32LE(0) === 0x04034b50;
  const isGzip = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  if (name.endsWith('.zip')) {
    if (!isZip) throw badPackage(`${fileName} is named .zip but is not a zip archive`);
    return 'zip';
  }
  if (name.endsWith('.tar.gz') || name.endsWith('.tgz')) {
    if (!isGzip) throw badPackage(`${fileName} is named .tar.gz but is not gzip-compressed`);
    return 'tar.gz';
  }
  for (const ext of ['mjs', 'cjs', 'js'] as const) {
    if (name.endsWith(`.${ext}`)) {
      if (isZip || isGzip) throw badPackage(`${fileName} is named .${ext} but holds an archive`);
      return ext;
    }
  }
  throw badPackage(`cannot tell the format of '${fileName}': upload a .js, .mjs, .cjs, .zip or .tar.gz file`);
}
