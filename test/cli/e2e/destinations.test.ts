/** End to end: --on-success / --on-failure on function create and update. */
import anyTest, { type TestFn } from 'ava';
import type { DestinationsInfo } from '../../../cli/api-types.js';
import { assertOneLineError, parseJsonOutput } from '../_helpers/cli-harness.js';
import { startTestService, type TestService } from '../_helpers/test-service.js';
import { helloFile } from '../_helpers/fixtures.js';

const test = anyTest as TestFn<{ svc: TestService }>;

test.before(async (t) => {
  t.context.svc = await startTestService();
});
test.after.always(async (t) => {
  await t.context.svc?.close();
});

const destinations = async (svc: TestService, name: string): Promise<DestinationsInfo> => {
  const creds = JSON.parse(await (await import('node:fs/promises')).readFile(svc.credentialsFile, 'utf8')) as { api_key: string };
  const r = await fetch(`${svc.url}/v1/functions/${name}/destinations`, { headers: { authorization: `Bearer ${creds.api_key}` } });
  return (await r.json()) as DestinationsInfo;
};

test.serial('create sets destinations; update changes one and keeps the other without a new version', async (t) => {
  const { svc } = t.context;
  const created = await svc.cli(['function', 'create', 'dest', '--runtime', 'nodejs20', '--handler', 'hello.handler', '--code', helloFile(), '--on-failure', 'https://ops.example/hooks/fnstack', '--on-success', 'events']);
  t.is(created.code, 0, created.stderr);
  t.like(await destinations(svc, 'dest'), { on_success: { kind: 'events' }, on_failure: { kind: 'url', url: 'https://ops.example/hooks/fnstack' } });

  const updated = await svc.cli(['function', 'update', 'dest', '--on-success', 'events:dest.done']);
  t.is(updated.code, 0, updated.stderr);
  t.is(updated.stdout, 'updated the destinations of dest: on success events:dest.done, on failure https://ops.example/hooks/fnstack\n');
  const none = parseJsonOutput<DestinationsInfo>(t, await svc.cli(['function', 'update', 'dest', '--on-failure', 'none', '--json']));
  t.like(none, { on_success: { kind: 'events', routing_key: 'dest.done' }, on_failure: null });
  const versions = parseJsonOutput<unknown[]>(t, await svc.cli(['function', 'versions', 'dest', '--json']));
  t.is(versions.length, 1, 'destinations make no version');
});

test.serial('a bad destination is a one-line error naming the option, or the field the service refused', async (t) => {
  const { svc } = t.context;
  assertOneLineError(t, await svc.cli(['function', 'update', 'dest', '--on-success', 'sqs://queue']), /--on-success must be events, events:ROUTING\.KEY, an http\(s\):\/\/ URL or none/);
  assertOneLineError(t, await svc.cli(['function', 'update', 'dest', '--on-failure', 'http://127.0.0.1:9/']), /on_failure\.url is refused/);
});
