/**
 * The committed service/openstack/generated/*.ts are what scripts/gen-openstack.mjs makes
 * from openapi/*.yaml now: regenerate into a temp dir and compare byte for byte.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';
import { repoRoot } from './_helpers/paths.js';

const run = promisify(execFile);

test('generated OpenStack types are fresh (else: npm run gen:openstack)', async (t) => {
  const out = await mkdtemp(join(tmpdir(), 'fnstack-gen-'));
  try {
    await run(process.execPath, [join(repoRoot, 'scripts/gen-openstack.mjs'), '--out', out], { cwd: repoRoot });
    const committedDir = join(repoRoot, 'service/openstack/generated');
    const fresh = (await readdir(out)).sort();
    const committed = (await readdir(committedDir)).filter((f) => f.endsWith('.ts')).sort();
    t.deepEqual(committed, fresh, 'one generated file per spec');
    for (const file of fresh) {
      const [want, have] = await Promise.all([readFile(join(out, file), 'utf8'), readFile(join(committedDir, file), 'utf8')]);
      t.true(want === have, `service/openstack/generated/${file} is stale: run npm run gen:openstack`);
    }
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
