/** Nothing runs unsupervised: a sandbox dies with the service process that started it, even on kill -9. */
import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, rmdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { requireRoot } from '../provisioner/_fixtures.js';
import { processesOf } from '../../service/provisioner/local/uid-reaper.js';
import { LocalProvider } from '../../service/provisioner/local/local-provider.js';

const HOST = join(dirname(fileURLToPath(import.meta.url)), '_sandbox-host.js');

test('killing the service with SIGKILL kills its sandboxes, grandchildren and setsid ones included', async (t) => {
  if (!requireRoot(t)) return;
  await mkdir('/var/lib/fnstack-test', { recursive: true, mode: 0o700 });
  const work = await mkdtemp('/var/lib/fnstack-test/lifetime-');
  const sandboxRoot = join('/var/lib/fnstack/test-sandboxes', `${work.split('/').pop()}`);
  const code = join(work, 'code');
  await mkdir(code);
  await writeFile(
    join(code, 'index.js'),
    `const { spawn, execSync } = require('child_process');
     exports.handler = () => { spawn('sleep', ['301'], { detached: true, stdio: 'ignore' }); execSync('setsid sleep 302 > /dev/null 2>&1 < /dev/null &'); return new Promise(() => {}); };`,
    { mode: 0o444 },
  );
  let cgroups: string[] = [];
  const host = spawn(process.execPath, [HOST, sandboxRoot, code], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const first = await new Promise<string>((resolve, reject) => {
      createInterface({ input: host.stdout }).once('line', resolve);
      host.once('exit', (c) => reject(new Error(`the host exited with ${c}`)));
    });
    const { uid, cgroups: dirs } = JSON.parse(first) as { uid: number; cgroups: string[] };
    cgroups = dirs;
    t.true(uid > 0);
    // node + the init of its pid namespace + bwrap + two sleeps
    t.true(await waitFor(async () => (await processesOf(uid)) >= 4), 'the function started its children');
    host.kill('SIGKILL');
    t.true(await waitFor(async () => (await processesOf(uid)) === 0), `processes of uid ${uid} outlived the service: ${await processesOf(uid)}`);
  } finally {
    host.kill('SIGKILL');
    // What the dead service left (its mounted disk too) is swept by the next provider on that root.
    const next = new LocalProvider({ sandboxRoot });
    await next.host().catch(() => undefined);
    await next.close();
    await rm(work, { recursive: true, force: true });
    await rm(sandboxRoot, { recursive: true, force: true });
    for (const dir of cgroups) await rmdir(dir).catch(() => undefined);
  }
});

/** Polls until `cond` holds; false after a generous cap (a missing guarantee, not a slow machine). */
async function waitFor(cond: () => Promise<boolean>, ms = 30_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return cond();
}
