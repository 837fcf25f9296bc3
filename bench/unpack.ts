/**
 * What unpacking an archive in its own unprivileged process costs per upload: the isolated
 * path (spawn the worker, drop to the unpack uid, unpack, seal the tree as root) next to the
 * same unpacking done in this process, interleaved in one run, for a small package and one
 * with many files. CPU counts this process and its reaped children (/proc/self/stat).
 *
 *   npm run build && node dist/bench/unpack.js [N]      (default 40)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unpackArchive, type ArchiveFormat } from '../service/code/unpack.js';
import { unpackToScratch } from '../service/code/unpack-package.js';
import { unpackIdentity } from '../service/code/isolated-unpack.js';
import { DEFAULT_UNPACK_UID } from '../service/code/unpack-protocol.js';
import { makeTarGz, makeZip } from '../test/_helpers/archives.js';

const N = Number(process.argv[2] ?? 40);
const limits = { maxUnpackedBytes: 200 * 1024 * 1024, maxEntries: 10_000 };
const identity = unpackIdentity(DEFAULT_UNPACK_UID);

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

/** CPU ms of this process plus its reaped children. */
function cpuMs(): number {
  const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  return (ticks * 1000) / 100;
}

async function timed(run: () => Promise<void>): Promise<{ wall: number; cpu: number }> {
  const c0 = cpuMs();
  const t0 = performance.now();
  await run();
  return { wall: performance.now() - t0, cpu: cpuMs() - c0 };
}

const packages: Array<{ name: string; format: ArchiveFormat; blob: Buffer }> = [
  { name: 'small zip (3 files, 1 KiB)', format: 'zip', blob: makeZip([{ name: 'package.json', data: '{"name":"x"}' }, { name: 'index.js', data: 'exports.handler = () => 1\n'.repeat(20) }, { name: 'lib/util.js', data: 'module.exports = 1' }]) },
  {
    name: 'tar.gz with node_modules (500 files, 2 MiB)',
    format: 'tar.gz',
    blob: await makeTarGz([{ name: 'index.js', data: 'x' }, ...Array.from({ length: 499 }, (_, i) => ({ name: `node_modules/dep${i % 25}/file${i}.js`, data: `module.exports = ${i};\n`.repeat(200) }))]),
  },
];

const root = await mkdtemp(join(tmpdir(), 'fnstack-bench-unpack-'));
console.log(`N=${N}, unpack as ${identity ? `uid ${identity.uid}` : 'the service user (not root)'}, load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
console.log('| package | variant | wall p50 | wall p90 | CPU/run |');
console.log('|---|---|---:|---:|---:|');
try {
  for (const pkg of packages) {
    const ref = { sha256: 'bench', sizeBytes: pkg.blob.length, format: pkg.format, fileName: null };
    const rows = { 'in this process': [] as Array<{ wall: number; cpu: number }>, 'own process as the unpack uid + seal': [] as Array<{ wall: number; cpu: number }> };
    for (let i = 0; i < N; i++) {
      const inProcess = await mkdtemp(join(root, 'in-'));
      rows['in this process'].push(await timed(() => unpackArchive(pkg.blob, pkg.format, inProcess, limits).then(() => undefined)));
      await rm(inProcess, { recursive: true, force: true });
      let scratch = '';
      rows['own process as the unpack uid + seal'].push(await timed(async () => void (scratch = await unpackToScratch(pkg.blob, ref, root, limits, identity))));
      await rm(scratch, { recursive: true, force: true });
    }
    for (const [variant, xs] of Object.entries(rows)) {
      const cpu = xs.reduce((a, x) => a + x.cpu, 0) / xs.length;
      console.log(`| ${pkg.name} | ${variant} | ${pct(xs.map((x) => x.wall), 50).toFixed(1)} ms | ${pct(xs.map((x) => x.wall), 90).toFixed(1)} ms | ${cpu.toFixed(1)} ms |`);
    }
  }
} finally {
  await rm(root, { recursive: true, force: true });
}
