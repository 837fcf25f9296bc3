import test from 'ava';
import { startTestService, type TestService } from '../_helpers/service.js';
import { runCli } from './_helpers/cli-harness.js';
import { pollUntil } from '../_helpers/poll.js';

let svc: TestService;
test.before(async () => {
  svc = await startTestService();
});
test.after.always(async () => {
  await svc?.close();
});

const cli = (...args: string[]) => runCli([...args, '--endpoint', svc.url, '--api-key', svc.apiKey], { env: { PATH: process.env.PATH, HOME: svc.dataDir } });

test('event publish sends a CloudEvent; bad data is one clear line', async (t) => {
  const ok = await cli('event', 'publish', '--type', 'com.example.created', '--id', 'ev-1', '--data', '{"a":1}');
  t.is(ok.code, 0, ok.stderr);
  t.is(ok.stdout.trim(), 'accepted event ev-1');
  const bad = await cli('event', 'publish', '--type', 'x', '--data', '{nope');
  t.is(bad.code, 2, 'bad command-line input exits 2');
  t.is(bad.stderr.trim().split('\n').length, 1, bad.stderr);
  const missing = await cli('event', 'publish');
  t.not(missing.code, 0);
});

test('event dead-letters: list, show, discard', async (t) => {
  const empty = await cli('event', 'dead-letters');
  t.is(empty.code, 0, empty.stderr);
  t.is(empty.stdout.trim(), 'no dead letters');

  await svc.injectWork(JSON.stringify({ kind: 'bogus', projectId: 'admin' }));
  const list = await pollUntil('the dead letter in the listing', async () => {
    const out = (await cli('event', 'dead-letters')).stdout;
    return out.includes('not a work message') ? out : undefined;
  }, { everyMs: 150 });
  t.regex(list, /ID\s+WHAT\s+ATTEMPTS\s+WHEN\s+REASON/);
  t.regex(list, /unreadable\s+1\s+/);
  const json = JSON.parse((await cli('event', 'dead-letters', '--json')).stdout) as Array<{ id: string }>;
  t.is(json.length, 1);
  const show = await cli('event', 'dead-letters', 'show', json[0]!.id);
  t.regex(show.stdout, /"kind": "bogus"/);
  const retry = await cli('event', 'dead-letters', 'retry', json[0]!.id);
  t.is(retry.code, 1, 'poison cannot be retried');
  t.regex(retry.stderr, /poison/);
  t.is((await cli('event', 'dead-letters', 'discard', json[0]!.id)).code, 0);
  t.is((await cli('event', 'dead-letters')).stdout.trim(), 'no dead letters');
});
