/** `fnstack trigger …` against a real service: create (each kind's flags), list, show, update, disable/enable, delete, one-line errors. */
import test from 'ava';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { echoFunction, serviceOn, waitForExecutions, type TriggerService } from './_helpers.js';

const CLI = fileURLToPath(new URL('../../cli/main.js', import.meta.url));

let ts: TriggerService | null = null;
let home = '';
test.before(async (t) => {
  ts = await serviceOn(t as never, 'sqlite');
  home = await mkdtemp(join(tmpdir(), 'fnstack-trg-cli-'));
  await echoFunction(ts!, 'report');
});
test.after.always(async () => {
  await ts?.close();
  if (home) await rm(home, { recursive: true, force: true });
});

function cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: join(home, 'config'), FNSTACK_ENDPOINT: ts!.url, FNSTACK_API_KEY: ts!.apiKey },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test.serial('create, list, show, update, disable, enable, delete', async (t) => {
  const created = await cli('trigger', 'create', 'morning', '--function', 'report', '--kind', 'schedule', '--cron', '0 7 * * 1-5', '--timezone', 'Europe/Berlin', '--catch-up', 'run-once', '--data', '{"k":1}', '--json');
  t.is(created.code, 0, created.stderr);
  t.like(JSON.parse(created.stdout), { name: 'morning', kind: 'schedule', config: { cron: '0 7 * * 1-5', timezone: 'Europe/Berlin', catch_up: 'run-once', data: { k: 1 } } });

  const hook = await cli('trigger', 'create', 'gh', '--function', 'report', '--kind', 'http', '--filter', 'data.repo.name=fnstack', '--filter', 'type=fnstack.webhook');
  t.is(hook.code, 0, hook.stderr);
  t.regex(hook.stdout, /secret:\s+whsec_/);
  t.regex(hook.stdout, /webhook url:\s+http:\/\/127\.0\.0\.1:\d+\/v1\/hooks\//);

  const list = await cli('trigger', 'list');
  t.is(list.code, 0);
  t.regex(list.stdout, /^NAME\s+KIND\s+FUNCTION/);
  t.regex(list.stdout, /morning\s+schedule\s+report\s+0 7 \* \* 1-5 Europe\/Berlin\s+yes/);
  t.regex(list.stdout, /gh\s+http\s+report\s+webhook/);

  const shown = JSON.parse((await cli('trigger', 'show', 'gh', '--json')).stdout);
  t.deepEqual(shown.filter, { data: { 'repo.name': 'fnstack' }, type: 'fnstack.webhook' });
  t.is(shown.secret, undefined);

  const updated = await cli('trigger', 'update', 'morning', '--cron', '0 8 * * *', '--json');
  t.is(updated.code, 0, updated.stderr);
  t.is(JSON.parse(updated.stdout).config.cron, '0 8 * * *');

  t.is((await cli('trigger', 'disable', 'morning')).stdout.trim(), 'disabled trigger morning');
  t.false(JSON.parse((await cli('trigger', 'show', 'morning', '--json')).stdout).enabled);
  t.is((await cli('trigger', 'enable', 'morning')).stdout.trim(), 'enabled trigger morning');

  // The webhook created by the CLI works.
  const body = JSON.stringify({ repo: { name: 'fnstack' } });
  const res = await fetch(shown.webhook_url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-fnstack-secret': /secret:\s+(whsec_\S+)/.exec(hook.stdout)![1]! }, body });
  t.is(res.status, 202);
  await waitForExecutions(ts!, 'report', 1);

  t.is((await cli('trigger', 'delete', 'morning', '--yes')).code, 0);
  t.is((await cli('trigger', 'delete', 'gh', '--yes')).code, 0);
  t.deepEqual(JSON.parse((await cli('trigger', 'list', '--json')).stdout), []);
});

test.serial('errors are one line naming the field; usage errors exit 2', async (t) => {
  const bad = await cli('trigger', 'create', 'x', '--function', 'report', '--kind', 'schedule', '--cron', 'nope');
  t.is(bad.code, 1);
  t.is(bad.stderr.trim().split('\n').length, 1);
  t.regex(bad.stderr, /^error: .*\(field: config\.cron\)/);
  const missing = await cli('trigger', 'create', 'x', '--kind', 'event');
  t.is(missing.code, 2);
  t.regex(missing.stderr, /--function/);
  const unknown = await cli('trigger', 'show', 'nope');
  t.is(unknown.code, 1);
  t.regex(unknown.stderr, /not found/);
  const noop = await cli('trigger', 'update', 'x');
  t.is(noop.code, 2);
});
