/**
 * The one conformance suite every provider passes, through the service's own API (like
 * test/queue/_conformance.ts for the queues): what a function returns, logs, throws, how it
 * times out or crashes, what context it sees, and that every environment is released.
 * test/provisioner/conformance.test.ts runs it on the local provider, and
 * test/provisioner-openstack/conformance.test.ts on the OpenStack one.
 */
import test, { type ExecutionContext } from 'ava';
import { WAIT_CAP_MS } from '../_helpers/poll.js';

export interface ConformanceTarget {
  /** fetch against the service with an admin key (JSON in, JSON out; FormData as is). */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** Environments this service still holds (sandbox directories, servers): none once executions are final. */
  leftovers(): Promise<string[]>;
  close(): Promise<void>;
}

export interface ProviderFixture {
  /** The provider's name as the placement records it. */
  provider: string;
  runtime: string;
  /** A running service on this provider, or null when it cannot run here (the caller said why). */
  start(t: ExecutionContext): Promise<ConformanceTarget | null>;
}

function form(metadata: unknown, source: string): FormData {
  const f = new FormData();
  f.append('metadata', JSON.stringify(metadata));
  f.append('code', new Blob([source]), 'index.js');
  return f;
}

async function final(target: ConformanceTarget, id: string): Promise<any> {
  const until = Date.now() + Math.max(WAIT_CAP_MS, 180_000);
  for (;;) {
    const r = await target.api('GET', `/v1/executions/${id}`);
    if (r.status === 200 && ['succeeded', 'failed', 'timed_out'].includes(r.body.status)) return r.body;
    if (Date.now() > until) throw new Error(`execution ${id} not final: ${JSON.stringify(r.body)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function eventually(check: () => Promise<string[]>): Promise<string[]> {
  const until = Date.now() + Math.max(WAIT_CAP_MS, 60_000);
  let left = await check();
  while (left.length > 0 && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 250));
    left = await check();
  }
  return left;
}

export function providerConformance(name: string, fixture: ProviderFixture): void {
  let target: ConformanceTarget | null = null;
  let started: Promise<ConformanceTarget | null> | null = null;
  const run = async (t: ExecutionContext, fn: string, source: string, data: unknown, extra: Record<string, unknown> = {}) => {
    started ??= fixture.start(t);
    target = await started;
    if (!target) return null;
    const created = await target.api('POST', '/v1/functions', form({ name: fn, runtime: fixture.runtime, handler: 'index.handler', ...extra }, source));
    t.is(created.status, 201, JSON.stringify(created.body));
    const invoked = await target.api('POST', `/v1/functions/${fn}/invoke?mode=async`, data);
    t.is(invoked.status, 202, JSON.stringify(invoked.body));
    return { target, ex: await final(target, invoked.body.execution_id) };
  };
  test.after.always(async () => {
    await target?.close();
  });

  test.serial(`${name}: the result, the logs and the context reach the caller; the placement names the provider`, async (t) => {
    const source = `exports.handler = async (event, ctx) => {
      console.log('log line', ctx.functionName);
      console.error('error line');
      return { data: event.data, type: event.type, fn: ctx.functionName, execution: process.env.FNSTACK_EXECUTION_ID === ctx.executionId, version: process.env.FNSTACK_FUNCTION_VERSION };
    };`;
    const r = await run(t, 'conf-ok', source, { n: 7 });
    if (!r) return;
    t.is(r.ex.status, 'succeeded', JSON.stringify(r.ex));
    t.deepEqual(r.ex.result, { data: { n: 7 }, type: 'fnstack.invoke', fn: 'conf-ok', execution: true, version: '1' });
    t.is(r.ex.placement.provider, fixture.provider);
    const logs = await r.target.api('GET', `/v1/executions/${r.ex.id}/logs`);
    t.regex(JSON.stringify(logs.body), /log line conf-ok/);
    t.regex(JSON.stringify(logs.body), /error line/);
  });

  test.serial(`${name}: a handler that throws is failed with handler_error and its message`, async (t) => {
    const r = await run(t, 'conf-throws', `exports.handler = () => { throw new TypeError('no such thing'); };`, {});
    if (!r) return;
    t.is(r.ex.status, 'failed');
    t.is(r.ex.error?.kind, 'handler_error', JSON.stringify(r.ex.error));
    t.regex(r.ex.error?.message ?? '', /no such thing/);
  });

  test.serial(`${name}: a handler that never answers is timed_out after its timeout`, async (t) => {
    const r = await run(t, 'conf-hangs', `exports.handler = () => new Promise(() => {});`, {}, { timeout_s: 2 });
    if (!r) return;
    t.is(r.ex.status, 'timed_out', JSON.stringify(r.ex));
  });

  test.serial(`${name}: a process that exits under the handler is failed as crashed`, async (t) => {
    const r = await run(t, 'conf-exits', `exports.handler = () => { process.exit(3); };`, {});
    if (!r) return;
    t.is(r.ex.status, 'failed');
    t.is(r.ex.error?.kind, 'crashed', JSON.stringify(r.ex.error));
  });

  test.serial(`${name}: every environment is released once its execution is final`, async (t) => {
    started ??= fixture.start(t);
    const target = await started;
    if (!target) return;
    t.deepEqual(await eventually(() => target.leftovers()), []);
  });
}
