/**
 * Unpacks a zip or tar.gz code package into a directory, enforcing the limits as bytes are
 * written (declared sizes in archive headers are never trusted). Runs in the unpacker's own
 * unprivileged process (unpack-worker.ts); every entry goes through PackageWriter, which never
 * follows a link and refuses whatever would.
 */
import { pipeline } from 'node:stream/promises';
import { Transform, type Readable } from 'node:stream';
import { badPackage } from './package-errors.js';
import { checkLinkTarget, safeEntryPath } from './safe-path.js';
import { EntryTree } from './entry-tree.js';
import { NoFollowTree } from './safe-fs.js';

export interface UnpackLimits {
  maxUnpackedBytes: number;
  maxEntries: number;
}

export type ArchiveFormat = 'zip' | 'tar.gz';

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
export class PackageWriter {
  private readonly tree = new EntryTree();
  private readonly disk: NoFollowTree;
  constructor(
    dest: string,
    readonly budget: Budget,
  ) {
    this.disk = new NoFollowTree(dest);
  }

  private name(raw: string): string {
    const path = safeEntryPath(raw);
    this.budget.entry(raw);
    return path;
  }

  async dir(raw: string): Promise<void> {
    const path = this.name(raw);
    if (this.tree.addDir(path)) await this.disk.makeDir(path);
  }

  async file(raw: string, source: Readable): Promise<void> {
    const path = this.name(raw);
    if (path === '') throw badPackage(`archive entry '${raw}' is a file without a name`);
    this.tree.addFile(path);
    const out = await this.disk.openNewFile(path);
    await pipeline(source, this.budget.meter(), out.createWriteStream());
  }

  async symlink(raw: string, target: string): Promise<void> {
    const path = this.name(raw);
    checkLinkTarget(path, target);
    this.tree.addSymlink(path, target);
    await this.disk.makeSymlink(path, target);
  }

  async hardLink(raw: string, rawTarget: string): Promise<void> {
    const path = this.name(raw);
    const target = safeEntryPath(rawTarget);
    this.tree.addHardLink(path, target);
    await this.disk.makeHardLink(path, target);
  }

  finish(): void {
    this.tree.assertLinksInside();
  }
}

/** Reads one archive format, feeding every entry to the writer in order. */
export type ArchiveReader = (blob: Buffer, writer: PackageWriter) => Promise<void>;

/**
 * The reader of `format`, loaded on demand: the worker loads only the one it needs (each
 * parser costs ~15 ms of CPU to load) and does so before it drops its privileges.
 */
export async function loadReader(format: ArchiveFormat): Promise<ArchiveReader> {
  return format === 'zip' ? (await import('./zip-reader.js')).readZip : (await import('./tar-reader.js')).readTarGz;
}

export async function unpackArchive(blob: Buffer, format: ArchiveFormat, dest: string, limits: UnpackLimits, reader?: ArchiveReader): Promise<{ entries: number; bytes: number }> {
  const writer = new PackageWriter(dest, new Budget(limits));
  await (reader ?? (await loadReader(format)))(blob, writer);
  writer.finish();
  return { entries: writer.budget.entries, bytes: writer.budget.bytes };
}
