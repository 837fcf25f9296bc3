/** Sandboxes left by a service process that died are cleaned up by the next one. */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalProvider } from '../../service/provisioner/local/local-provider.js';
import type { LocalEnvironment } from '../../service/provisioner/local/local-environment.js';
import { assignment, params, requireCgroups, sandbox, type Sandbox } from './_fixtures.js';

let sb: Sandbox;
test.before(async () => {
  sb = await sandbox();
});
test.after.always(async () => {
  await sb?.close();
});

test('a new provider kills and removes the sandboxes of a dead owner, and leaves live ones alone', async (t) => {
  if (!(await requireCgroups(t, sb.provider))) return;
  const sandboxRoot = sb.sandboxRoot;
  const code = await sb.code({ 'index.js': 'exports.handler = () => new Promise(() => {});' });
  const pDead = params({ timeoutS: 60 });
  const pLive = params({ timeoutS: 60 });
  const dead = (await sb.provider.acquire(pDead)) as LocalEnvironment;
  const live = (await sb.provider.acquire(pLive)) as LocalEnvironment;
  const runDead = dead.run(assignment(pDead, 'index.handler', code));
  const runLive = live.run(assignment(pLive, 'index.handler', code));
  try {
    const cgroups = dead.parts.cgroup?.dirs ?? [];
    await waitFor(async () => (await readFile(join(cgroups[0]!, 'cgroup.procs'), 'utf8')).trim() !== '');
    // The owner of one sandbox "dies": its owner file now names a pid that has exited.
    const gone = spawnSync('true').pid!;
    await writeFile(join(sandboxRoot, '.owners', dead.parts.name), String(gone));

    const next = new LocalProvider({ sandboxRoot });
    await next.host();

    const outcome = await runDead;
    t.is(outcome.status, 'failed');
    t.is(outcome.signal, 'SIGKILL');
    for (const dir of [dead.parts.workdir.root, ...cgroups]) await t.throwsAsync(access(dir), undefined, `${dir} is left over`);
    await t.notThrowsAsync(access(live.parts.workdir.root), 'the live sandbox is untouched');
    await next.close();
  } finally {
    await sb.provider.release(dead);
    await sb.provider.release(live);
    await runLive;
  }
});

async function waitFor(cond: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond().catch(() => false))) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
